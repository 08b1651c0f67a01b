"""Typed values of ECL answers, checked at the boundary: a malformed body is BadUpstreamResponse."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from apps_admin.ecl.errors import BadUpstreamResponse

PERMISSIONS = ("TURN", "SFU", "USER_LIST", "PEER_AUTHENTICATION", "RECORDING")
STATUSES = ("active", "suspended")


class MonthUsage(NamedTuple):
    month: str  # "YYYY/MM", as ECL names it
    signaling: float
    turn: float
    sfu: float


@dataclass(slots=True)
class App:
    """An app as ECL describes it; `expanded` is False for the short form of an unexpanded list.

    Treat it as read-only. (Not frozen: a frozen dataclass's __init__ costs a third more, which
    shows on a 10,000-app list.)
    """

    id: str
    apikey: str
    description: str
    expanded: bool = True
    domains: tuple[str, ...] = ()
    permissions: tuple[str, ...] = ()
    status: str = ""
    recording_status: str = ""
    recording_bucket: str = ""
    usage: tuple[MonthUsage, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def current_usage(self) -> MonthUsage | None:
        return self.usage[-1] if self.usage else None

    @property
    def previous_usage(self) -> MonthUsage | None:
        return self.usage[-2] if len(self.usage) > 1 else None


def _fail(what: str) -> BadUpstreamResponse:
    # `what` names ECL's field (usage_summary, ...): the same in every language.
    return BadUpstreamResponse(
        format_lazy(_("ECL sent an app this portal cannot read ({what})."), what=what)
    )


# The checks below run for every app of a list (10,000 in a large tenant), so they compare exact
# types (what a JSON parser produces) instead of calling isinstance through helpers.


def _text(value: Any, what: str) -> str:
    if type(value) is not str:
        raise _fail(what)
    return value


def _optional_text(value: Any, what: str) -> str:
    if value is None:
        return ""
    if type(value) is not str:
        raise _fail(what)
    return value


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if type(value) is not list:
        raise _fail(what)
    for item in value:
        if type(item) is not str:
            raise _fail(what)
    return tuple(value)


def _number(value: Any) -> float:
    kind = type(value)
    if kind is not int and kind is not float:
        raise _fail("usage_summary")
    return value


def _timestamp(value: Any, what: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(_text(value, what))
    except ValueError:
        raise _fail(what) from None
    if moment.tzinfo is None:
        raise _fail(what)
    return moment


def _usage(value: Any) -> tuple[MonthUsage, ...]:
    if value is None:
        return ()
    if type(value) is not dict:
        raise _fail("usage_summary")
    months = []
    for month in sorted(value):
        counts = value[month]
        if type(counts) is not dict:
            raise _fail("usage_summary")
        get = counts.get
        months.append(
            MonthUsage(
                month,
                _number(get("signaling", 0)),
                _number(get("turn", 0)),
                _number(get("sfu", 0)),
            )
        )
    return tuple(months)


def _app_id(value: Any) -> str:
    # Real ECL sends numbers, the reference says strings: both are opaque ids to us.
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is not str or value == "":
        raise _fail("id")
    return value


def parse_app(data: Any, *, expanded: bool = True, keep_raw: bool = True) -> App:
    if type(data) is not dict:
        raise _fail("not an object")
    get = data.get
    app_id = _app_id(get("id"))
    apikey = _text(get("apikey"), "apikey")
    description = _optional_text(get("description"), "description")
    if not expanded:
        return App(app_id, apikey, description, expanded=False, raw=data if keep_raw else {})
    recording = get("recording") or {}
    if type(recording) is not dict:
        raise _fail("recording")
    return App(
        app_id,
        apikey,
        description,
        True,
        _strings(get("domains"), "domains"),
        _strings(get("permissions"), "permissions"),
        _text(get("status"), "status"),
        _optional_text(recording.get("status"), "recording.status"),
        _optional_text(recording.get("bucket_name"), "recording.bucket_name"),
        _usage(get("usage_summary")),
        _timestamp(get("created_at"), "created_at"),
        _timestamp(get("updated_at"), "updated_at"),
        data if keep_raw else {},
    )


def parse_app_list(data: Any, *, expanded: bool, keep_raw: bool = True) -> list[App]:
    """The typed apps of a list answer. Without `keep_raw`, each app's JSON object is released as
    soon as it is parsed, so a 10,000-app list never holds both forms in full."""
    if not isinstance(data, list):
        raise BadUpstreamResponse(_("ECL sent an app list this portal cannot read."))
    if keep_raw:
        return [parse_app(item, expanded=expanded) for item in data]
    apps = []
    for index, item in enumerate(data):
        apps.append(parse_app(item, expanded=expanded, keep_raw=False))
        data[index] = None
    return apps


def parse_secret_key(data: Any) -> str:
    if not isinstance(data, dict) or not isinstance(data.get("secretkey"), str):
        raise BadUpstreamResponse(_("ECL sent a secret key answer this portal cannot read."))
    return data["secretkey"]
