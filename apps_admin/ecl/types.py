"""Typed values of ECL answers, checked at the boundary: a malformed body is BadUpstreamResponse."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from apps_admin.ecl.errors import BadUpstreamResponse

PERMISSIONS = ("TURN", "SFU", "USER_LIST", "PEER_AUTHENTICATION", "RECORDING")
STATUSES = ("active", "suspended")


@dataclass(frozen=True, slots=True)
class MonthUsage:
    month: str  # "YYYY/MM", as ECL names it
    signaling: float
    turn: float
    sfu: float


@dataclass(frozen=True, slots=True)
class App:
    """An app as ECL describes it; `expanded` is False for the short form of an unexpanded list."""

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
    return BadUpstreamResponse(f"ECL sent an app this portal cannot read ({what}).")


def _text(value: Any, what: str, *, allow_none: bool = False) -> str:
    if value is None and allow_none:
        return ""
    if not isinstance(value, str):
        raise _fail(what)
    return value


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _fail(what)
    return tuple(value)


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(what)
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
    if not isinstance(value, dict):
        raise _fail("usage_summary")
    months = []
    for month in sorted(value):
        counts = value[month]
        if not isinstance(counts, dict):
            raise _fail("usage_summary")
        months.append(
            MonthUsage(
                month=month,
                signaling=_number(counts.get("signaling", 0), "usage_summary"),
                turn=_number(counts.get("turn", 0), "usage_summary"),
                sfu=_number(counts.get("sfu", 0), "usage_summary"),
            )
        )
    return tuple(months)


def _app_id(value: Any) -> str:
    # Real ECL sends numbers, the reference says strings: both are opaque ids to us.
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        raise _fail("id")
    return str(value)


def parse_app(data: Any, *, expanded: bool = True) -> App:
    if not isinstance(data, dict):
        raise _fail("not an object")
    common = {
        "id": _app_id(data.get("id")),
        "apikey": _text(data.get("apikey"), "apikey"),
        "description": _text(data.get("description", ""), "description", allow_none=True),
        "raw": data,
    }
    if not expanded:
        return App(expanded=False, **common)
    recording = data.get("recording") or {}
    if not isinstance(recording, dict):
        raise _fail("recording")
    return App(
        expanded=True,
        domains=_strings(data.get("domains"), "domains"),
        permissions=_strings(data.get("permissions"), "permissions"),
        status=_text(data.get("status"), "status"),
        recording_status=_text(recording.get("status"), "recording.status", allow_none=True),
        recording_bucket=_text(
            recording.get("bucket_name"), "recording.bucket_name", allow_none=True
        ),
        usage=_usage(data.get("usage_summary")),
        created_at=_timestamp(data.get("created_at"), "created_at"),
        updated_at=_timestamp(data.get("updated_at"), "updated_at"),
        **common,
    )


def parse_app_list(data: Any, *, expanded: bool) -> list[App]:
    if not isinstance(data, list):
        raise BadUpstreamResponse("ECL sent an app list this portal cannot read.")
    return [parse_app(item, expanded=expanded) for item in data]


def parse_secret_key(data: Any) -> str:
    if not isinstance(data, dict) or not isinstance(data.get("secretkey"), str):
        raise BadUpstreamResponse("ECL sent a secret key answer this portal cannot read.")
    return data["secretkey"]
