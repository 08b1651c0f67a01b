"""Answer variants (`PATCH /_emulator/config`): how a real ECL may depart from the contract
(ecl-contract.md §4.14)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from .reply import ERROR_FORMATS, NOT_AUTHENTICATED

CREATE_STATUSES = (200, 201)
DELETE_ANSWERS = ("{}", "empty", "204")
EMPTY_LISTS = ("[]", "null")
TOKEN_REFUSAL_STATUSES = (401, 403)


class SettingError(ValueError):
    """A setting that cannot be used; its message is answered with a 400."""


@dataclass(frozen=True)
class TokenRefusal:
    """How the apps API refuses a missing, malformed, revoked, expired or wrong-tenant token."""

    status: int = 403
    message: str = NOT_AUTHENTICATED


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


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "create_status": _create_status,
    "delete_answer": _one_of("delete_answer", DELETE_ANSWERS),
    "error_format": _one_of("error_format", ERROR_FORMATS),
    "expired_token": _expired_token,
    "empty_list": _one_of("empty_list", EMPTY_LISTS),
}
