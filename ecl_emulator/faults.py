"""Injected faults: added latency and rules that fail (or hold) the next matching requests."""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field
from typing import Any

RULE_METHODS = ("GET", "POST", "PUT", "DELETE", "*")
ACTIONS = ("reset", "hang", "malformed", "trickle", "oversized", "hold")
WHENS = ("before", "after")
_NO_BODY_STATUSES = (204, 304)
# The options of an action: name -> (default, lowest, highest).
ACTION_OPTIONS: dict[str, dict[str, tuple[int, int, int]]] = {
    "trickle": {"interval_ms": (1000, 1, 60_000), "chunk_bytes": (1, 1, 65_536)},
    "oversized": {"size_bytes": (100_000_000, 1_000, 2_000_000_000)},
    "hold": {"hold_ms": (1000, 1, 600_000)},
}
_OPTION_NAMES = {name for options in ACTION_OPTIONS.values() for name in options}
# What a `status` rule may answer instead of the emulator's error: a gateway's own page.
_STATUS_OPTIONS = {"body", "content_type", "headers"}
MAX_FAULT_BODY = 65_536
_RULE_KEYS = (
    {"method", "path", "count", "when", "status", "action", "probability"}
    | _OPTION_NAMES
    | _STATUS_OPTIONS
)


class FaultError(ValueError):
    """A rule or setting that cannot be used; its message is answered with a 400."""


@dataclass
class FaultRule:
    """Fail the next `count` requests whose method and path match, before or after handling.

    `options` holds the checked options of the action (`interval_ms` and `chunk_bytes` of
    `trickle`, `size_bytes` of `oversized`, `hold_ms` of `hold`), defaults filled in. A `status`
    rule answers `body` (with `content_type`) instead of the emulator's error when given, and
    adds `headers` (a `Retry-After`, say).
    """

    method: str
    path: str
    count: int
    when: str
    status: int | None = None
    action: str | None = None
    probability: float = 1.0
    options: dict[str, int] = field(default_factory=dict)
    body: str | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # Seeded, so that a load test with a 20% failure rate fails the same requests every run.
    _chance: random.Random = field(default_factory=lambda: random.Random(20), repr=False)

    def __post_init__(self) -> None:
        self._pattern = re.compile(self.path)

    def matches(self, method: str, path: str) -> bool:
        """Whether a request with this method and path (no query string) is targeted."""
        return self.method in ("*", method) and self._pattern.search(path) is not None

    def strikes(self) -> bool:
        """Whether this matching request is failed (always, unless a probability is set)."""
        return self.probability >= 1.0 or self._chance.random() < self.probability

    def as_dict(self) -> dict[str, Any]:
        """The rule as the control API shows it, with the remaining count."""
        rule: dict[str, Any] = {
            "method": self.method,
            "path": self.path,
            "count": self.count,
            "when": self.when,
        }
        if self.probability < 1.0:
            rule["probability"] = self.probability
        if self.status is not None:
            rule["status"] = self.status
            if self.body is not None:
                rule["body"] = self.body
            if self.content_type is not None:
                rule["content_type"] = self.content_type
            if self.headers:
                rule["headers"] = dict(self.headers)
        else:
            rule["action"] = self.action
            rule.update(self.options)
        return rule


def parse_rule(raw: Any) -> FaultRule:
    """Check one rule object of `POST /_emulator/faults`; raises FaultError."""
    if not isinstance(raw, dict):
        raise FaultError("A rule must be a JSON object")
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise FaultError(f"Unknown rule keys: {', '.join(sorted(unknown))}")
    method = raw.get("method", "*")
    if not isinstance(method, str) or method.upper() not in RULE_METHODS:
        raise FaultError(f"method must be one of {', '.join(RULE_METHODS)}")
    path = raw.get("path", "")
    if not isinstance(path, str):
        raise FaultError("path must be a regular expression string")
    try:
        re.compile(path)
    except re.error as exc:
        raise FaultError(f"path is not a valid regular expression: {exc}") from None
    count = raw.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise FaultError("count must be a positive integer")
    when = raw.get("when", "before")
    if when not in WHENS:
        raise FaultError("when must be 'before' or 'after'")
    status, action = _status_or_action(raw)
    if action == "trickle":
        when = "after"  # the answer being trickled is the normal one: the handler runs first
    body, content_type, headers = _status_options(raw, status)
    return FaultRule(
        method.upper(),
        path,
        count,
        when,
        status=status,
        action=action,
        probability=_probability(raw),
        options=_action_options(raw, action),
        body=body,
        content_type=content_type,
        headers=headers,
    )


def _status_options(
    raw: dict[str, Any], status: int | None
) -> tuple[str | None, str | None, dict[str, str]]:
    """`body`, `content_type` and `headers` of a `status` rule (refused with an action)."""
    given = sorted(_STATUS_OPTIONS & set(raw))
    if given and status is None:
        raise FaultError(f"{', '.join(given)} can only be used with a status")
    body = raw.get("body")
    if body is not None and (not isinstance(body, str) or len(body) > MAX_FAULT_BODY):
        raise FaultError(f"body must be a string of at most {MAX_FAULT_BODY} characters")
    content_type = raw.get("content_type")
    if content_type is not None and not _header_value(content_type):
        raise FaultError("content_type must be a one-line string")
    headers = raw.get("headers", {})
    if not isinstance(headers, dict) or not all(
        _header_name(name) and _header_value(value) for name, value in headers.items()
    ):
        raise FaultError("headers must be an object of header names to one-line strings")
    return body, content_type, dict(headers)


def _header_name(name: Any) -> bool:
    return isinstance(name, str) and re.fullmatch(r"[A-Za-z0-9-]{1,64}", name) is not None


def _header_value(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 1024 and value.isascii() and value.isprintable()


def _status_or_action(raw: dict[str, Any]) -> tuple[int | None, str | None]:
    if ("status" in raw) == ("action" in raw):
        raise FaultError("A rule needs exactly one of status or action")
    status = raw.get("status")
    if "status" in raw and (
        isinstance(status, bool)
        or not isinstance(status, int)
        or not 200 <= status <= 599
        or status in _NO_BODY_STATUSES
    ):
        raise FaultError("status must be an HTTP status from 200 to 599 that carries a body")
    action = raw.get("action")
    if "action" in raw and action not in ACTIONS:
        raise FaultError(f"action must be one of {', '.join(ACTIONS)}")
    return status, action


def _probability(raw: dict[str, Any]) -> float:
    probability = raw.get("probability", 1.0)
    if isinstance(probability, bool) or not isinstance(probability, int | float):
        raise FaultError("probability must be a number above 0 and at most 1")
    if not 0 < probability <= 1:
        raise FaultError("probability must be a number above 0 and at most 1")
    return probability


def _action_options(raw: dict[str, Any], action: str | None) -> dict[str, int]:
    """The action's options, defaults filled in; an option of another action is refused."""
    allowed = ACTION_OPTIONS.get(action or "", {})
    stray = sorted((_OPTION_NAMES - set(allowed)) & set(raw))
    if stray:
        raise FaultError(f"{', '.join(stray)} cannot be used with this rule's status or action")
    options: dict[str, int] = {}
    for name, (default, low, high) in allowed.items():
        value = raw.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise FaultError(f"{name} must be an integer from {low} to {high}")
        options[name] = value
    return options


def parse_latency(raw: Any) -> int:
    """Check a `latency_ms` value; raises FaultError."""
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= 600_000:
        raise FaultError("latency_ms must be an integer from 0 to 600000")
    return raw


class FaultSet:
    """The active latency and rules, shared by every request thread."""

    def __init__(self, latency_ms: int = 0) -> None:
        self._lock = threading.Lock()
        self._latency_ms = latency_ms
        self._rules: list[FaultRule] = []

    @property
    def latency_ms(self) -> int:
        """Milliseconds added before every identity and apps API answer."""
        return self._latency_ms

    def configure(self, *, rules: list[FaultRule] | None, latency_ms: int | None) -> None:
        """Replace the rules and/or the latency; a part passed as None stays as it is."""
        with self._lock:
            if rules is not None:
                self._rules = list(rules)
            if latency_ms is not None:
                self._latency_ms = latency_ms

    def clear(self, latency_ms: int = 0) -> None:
        """Drop every rule and set the latency (none by default)."""
        self.configure(rules=[], latency_ms=latency_ms)

    def take(self, method: str, path: str) -> FaultRule | None:
        """The first rule matching this request, counted down (and dropped once used up)."""
        with self._lock:
            for index, rule in enumerate(self._rules):
                if rule.matches(method, path) and rule.strikes():
                    rule.count -= 1
                    if rule.count == 0:
                        del self._rules[index]
                    return rule
        return None

    def snapshot(self) -> dict[str, Any]:
        """The latency and the remaining rules, for `GET /_emulator/faults`."""
        with self._lock:
            return {
                "latency_ms": self._latency_ms,
                "rules": [rule.as_dict() for rule in self._rules],
            }
