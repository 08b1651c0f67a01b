"""Answer variants (`PATCH /_emulator/config`): how a real ECL may depart from the contract."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from .reply import ERROR_FORMATS, NOT_AUTHENTICATED, dumps

CREATE_STATUSES = (200, 201)
DELETE_ANSWERS = ("{}", "empty", "204")
EMPTY_LISTS = ("[]", "null")
TOKEN_REFUSAL_STATUSES = (401, 403)
# Values Python's `json` writes (NaN, Infinity, a lone surrogate escape) or reads (deep nesting)
# that a strict JSON reader refuses.
ODD_VALUES = ("lone_surrogate", "nan", "infinity", "deep")
DEEPEST = 100_000
# How Keystone may answer a good token request: as the contract says, with 300 Multiple Choices
# (an identity URL set to the service's root), 201 without X-Subject-Token, or 201 with an
# `expires_at` that is no time.
KEYSTONE_ANSWERS = ("contract", "300", "no_token_header", "unreadable_expiry")
BOM = b"\xef\xbb\xbf"


class SettingError(ValueError):
    """A setting that cannot be used; its message is answered with a 400."""


@dataclass(frozen=True)
class TokenRefusal:
    """How the apps API refuses a missing, malformed, revoked, expired or wrong-tenant token."""

    status: int = 403
    message: str = NOT_AUTHENTICATED


@dataclass(frozen=True)
class OddValue:
    """One value that a strict JSON reader refuses, written into one app's JSON in every answer
    that holds the app (lists, GET, PUT).

    `field` is a key of the app's JSON (added when the app has none: an unknown field), or a
    dotted path into it where `*` stands for every key of an object or every item of a list:
    `usage_summary.*.turn` is the TURN value of every month, `domains.*` every domain.
    """

    app_id: int
    field: str
    value: str
    depth: int = 1200
    tenant_id: str | None = None

    def applies_to(self, tenant_id: str, app_id: int) -> bool:
        return app_id == self.app_id and self.tenant_id in (None, tenant_id)

    def written(self, app_json: str, *, add: bool = True) -> str:
        """`app_json` with the odd value at `field`; `add=False` (a list without `expandApps`)
        only replaces a key the JSON already has."""
        obj = json.loads(app_json)
        slot = "odd-value-" + secrets.token_hex(16)
        originals: list[Any] = []
        _place(obj, self.field.split("."), slot, originals, add=add)
        if not originals:
            return app_json
        text = dumps(obj)
        for original in originals:
            text = text.replace(dumps(slot), self._text(original), 1)
        return text

    def _text(self, original: Any) -> str:
        if self.value == "lone_surrogate":
            # The text it had (a number's digits), and a high surrogate with no low one after it.
            shown = original if isinstance(original, str) else ""
            if isinstance(original, int | float) and not isinstance(original, bool):
                shown = str(original)
            return dumps(shown)[:-1] + '\\ud800"'
        if self.value == "nan":
            return "NaN"
        if self.value == "infinity":
            return "Infinity"
        return "[" * self.depth + "]" * self.depth


def _place(obj: Any, path: list[str], slot: str, originals: list[Any], *, add: bool) -> None:
    key, rest = path[0], path[1:]
    if isinstance(obj, list) and key == "*":  # every item of a list
        for index, item in enumerate(obj):
            if rest:
                _place(item, rest, slot, originals, add=add)
            else:
                originals.append(item)
                obj[index] = slot
        return
    if not isinstance(obj, dict):
        return
    for name in list(obj) if key == "*" else [key]:
        if rest:
            _place(obj.get(name), rest, slot, originals, add=add)
        elif add or name in obj:
            originals.append(obj.get(name))
            obj[name] = slot


@dataclass(frozen=True)
class Variants:
    """The answer variants; the defaults are the contract's behaviour.

    Frozen: a change replaces the whole value, so a request thread always reads one consistent
    set of settings without taking a lock.
    """

    create_status: int = 200
    delete_answer: str = "{}"
    error_format: str = "contract"
    expired_token: TokenRefusal = field(default_factory=TokenRefusal)
    empty_list: str = "[]"
    bom: bool = False
    odd_value: OddValue | None = None
    keystone_answer: str = "contract"

    def app_json(self, tenant_id: str, app_id: int, app_json: str, *, add: bool = True) -> str:
        """An app's JSON as this set of variants writes it (`odd_value`)."""
        odd = self.odd_value
        if odd is None or not odd.applies_to(tenant_id, app_id):
            return app_json
        return odd.written(app_json, add=add)

    def as_dict(self, *, show_all: bool = False) -> dict[str, Any]:
        """The settings as the control API shows them: those changed, or all with `show_all`."""
        shown = asdict(self)
        if show_all:
            return shown
        defaults = asdict(Variants())
        return {name: value for name, value in shown.items() if value != defaults[name]}

    def updated(self, changes: dict[str, Any]) -> Variants:
        """A copy with `changes` (setting name -> JSON value) checked and applied."""
        checked = {name: _PARSERS[name](value) for name, value in changes.items()}
        return replace(self, **checked)


NAMES = frozenset(f.name for f in fields(Variants))


def _create_status(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in CREATE_STATUSES:
        raise SettingError("create_status must be 200 or 201")
    return value


def _one_of(name: str, choices: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if not isinstance(value, str) or value not in choices:
            quoted = ", ".join(f'"{choice}"' for choice in choices)
            raise SettingError(f"{name} must be one of {quoted}")
        return value

    return parse


def _expired_token(value: Any) -> TokenRefusal:
    message = 'expired_token must be {"status": 401 or 403, "message": "<text>"}'
    if not isinstance(value, dict) or set(value) != {"status", "message"}:
        raise SettingError(message)
    status, text = value["status"], value["message"]
    if isinstance(status, bool) or not isinstance(status, int):
        raise SettingError(message)
    if status not in TOKEN_REFUSAL_STATUSES or not isinstance(text, str):
        raise SettingError(message)
    return TokenRefusal(status, text)


def _bom(value: Any) -> bool:
    if not isinstance(value, bool):
        raise SettingError("bom must be true or false")
    return value


def _odd_value(value: Any) -> OddValue | None:
    message = (
        'odd_value must be null or {"app_id": <integer>, "field": "<key or dotted path>", '
        '"value": "lone_surrogate", "nan", "infinity" or "deep"} with optional "depth" '
        f'(1 to {DEEPEST}, for "deep") and "tenant_id"'
    )
    if value is None:
        return None
    if not isinstance(value, dict) or not {"app_id", "field", "value"} <= set(value):
        raise SettingError(message)
    if not set(value) <= {"app_id", "field", "value", "depth", "tenant_id"}:
        raise SettingError(message)
    app_id, name, odd = value["app_id"], value["field"], value["value"]
    depth, tenant_id = value.get("depth", 1200), value.get("tenant_id")
    if isinstance(app_id, bool) or not isinstance(app_id, int):
        raise SettingError(message)
    if not isinstance(name, str) or not all(name.split(".")) or odd not in ODD_VALUES:
        raise SettingError(message)
    if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= DEEPEST:
        raise SettingError(message)
    if tenant_id is not None and not isinstance(tenant_id, str):
        raise SettingError(message)
    return OddValue(app_id, name, odd, depth, tenant_id)


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "create_status": _create_status,
    "delete_answer": _one_of("delete_answer", DELETE_ANSWERS),
    "error_format": _one_of("error_format", ERROR_FORMATS),
    "expired_token": _expired_token,
    "empty_list": _one_of("empty_list", EMPTY_LISTS),
    "bom": _bom,
    "odd_value": _odd_value,
    "keystone_answer": _one_of("keystone_answer", KEYSTONE_ANSWERS),
}
