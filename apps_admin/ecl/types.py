"""Typed values of ECL answers, decoded and checked in one pass by msgspec.

ECL's JSON goes straight into these structs (no dict in between) when it fits them; a body that
does not is read record by record by `reading.py`, which degrades display fields and keeps the
apps it cannot trust apart (UnreadableApp).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ClassVar, Generic, NamedTuple, TypeVar

import msgspec
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from apps_admin.ecl import tolerant_json
from apps_admin.ecl.errors import BadUpstreamResponse

PERMISSIONS = ("TURN", "SFU", "USER_LIST", "PEER_AUTHENTICATION", "RECORDING")
STATUSES = ("active", "suspended")
APP_ID_MAX = 64  # what the portal's records (audit, usage history) keep of an app id
# An app id the portal can put in a URL path segment: no dot segments, slashes, control
# characters, spaces or URL delimiters (ECL's ids are numbers).
_USABLE_ID = re.compile(r"[^\x00-\x20\x7f/\\?#%]{1," + str(APP_ID_MAX) + "}")
# A usage count the portal can add up and keep (a 64-bit column, a float without loss).
COUNT_MAX = 2**53


def usable_app_id(value: str) -> bool:
    """Whether `value` can name an app in an upstream path and in the portal's URLs (a lone
    surrogate is not printable, so it never can)."""
    return bool(_USABLE_ID.fullmatch(value)) and value not in (".", "..") and value.isprintable()


def id_order(app_id: str) -> tuple[int, int, str]:
    """The sort key of an app id: numbers (ASCII digits, as ECL's are) in numeric order,
    anything else after them in text order. Never raises, whatever the id (`int("²")` would)."""
    if app_id.isascii() and app_id.isdigit():
        return (0, int(app_id), "")
    return (1, 0, app_id)


T = TypeVar("T")
Moment = Annotated[datetime, msgspec.Meta(tz=True)]  # ECL's timestamps carry their offset


# A count within what the portal adds up and keeps: no NaN, Infinity or 10**30 (checked by
# msgspec as it decodes, at no cost).
Count = (
    Annotated[int, msgspec.Meta(ge=-COUNT_MAX, le=COUNT_MAX)]
    | Annotated[float, msgspec.Meta(ge=-COUNT_MAX, le=COUNT_MAX)]
)


class MonthCounts(msgspec.Struct, frozen=True, gc=False):
    """One month of an app's usage_summary: signaling count, TURN and SFU gigabytes."""

    signaling: Count = 0
    turn: Count = 0
    sfu: Count = 0


class MonthUsage(NamedTuple):
    month: str  # "YYYY/MM", as ECL names it
    signaling: float
    turn: float
    sfu: float


class Recording(msgspec.Struct, frozen=True, gc=False):
    status: str | None = ""
    bucket_name: str | None = ""


NO_RECORDING = Recording()
NO_USAGE: dict[str, MonthCounts] = {}


# gc=False: a list holds no reference cycles, and 10,000 tracked objects made the collector
# walk them again and again while the list was being built.
class AppSummary(msgspec.Struct, kw_only=True, gc=False):
    """An app of an unexpanded list: id, apikey and description only."""

    expanded: ClassVar[bool] = False

    id: int | str  # real ECL sends numbers, the reference says strings: a str after decoding
    apikey: Annotated[str, msgspec.Meta(min_length=1)]
    description: str | None = ""

    def __post_init__(self) -> None:
        if type(self.id) is int:
            self.id = str(self.id)
        elif not usable_app_id(self.id):
            raise ValueError("id")
        if self.description is None:
            self.description = ""


class App(AppSummary, kw_only=True, gc=False):
    """An app as ECL describes it, under ECL's field names. Treat it as read-only."""

    expanded: ClassVar[bool] = True

    domains: tuple[str, ...] | None = ()
    permissions: tuple[str, ...] | None = ()
    status: str
    recording: Recording | None = NO_RECORDING
    usage_summary: dict[str, MonthCounts] | None = NO_USAGE
    created_at: Moment | None = None
    updated_at: Moment | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.domains is None:
            self.domains = ()
        if self.permissions is None:
            self.permissions = ()
        if self.recording is None:
            self.recording = NO_RECORDING
        if self.usage_summary is None:
            self.usage_summary = NO_USAGE

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def recording_status(self) -> str:
        return self.recording.status or ""

    @property
    def recording_bucket(self) -> str:
        return self.recording.bucket_name or ""

    @property
    def usage(self) -> tuple[MonthUsage, ...]:
        """Every month ECL sent, oldest first."""
        return tuple(
            MonthUsage(month, counts.signaling, counts.turn, counts.sfu)
            for month, counts in sorted(self.usage_summary.items())
        )


class SecretKey(msgspec.Struct, gc=False):
    secretkey: Annotated[str, msgspec.Meta(min_length=1)]


@dataclass(frozen=True)
class UnreadableApp:
    """An app ECL sent that the portal cannot act on safely: its id or API key is missing or
    unusable. `field` and `problem` say why; `shown` holds the display values that could be
    read (description, status, ...), for a page that shows what it can."""

    position: int
    id: str | None
    field: str
    problem: str
    shown: dict[str, Any]

    @property
    def description(self) -> str:
        value = self.shown.get("description")
        return value if isinstance(value, str) else ""


class AppList(list):
    """The apps of a list answer that could be read, in ECL's order; `unreadable` holds the
    others, each in its own right."""

    def __init__(self, apps=(), unreadable=()) -> None:
        super().__init__(apps)
        self.unreadable: list[UnreadableApp] = list(unreadable)


@dataclass(frozen=True, slots=True)
class Answer(Generic[T]):
    """A checked ECL answer: its typed value, its body exactly as ECL sent it, and its status
    (any 2xx: ECL's create may answer 201, its delete 204)."""

    value: T
    body: bytes
    status: int = 200


# --- Decoding -------------------------------------------------------------------------------

_AT = re.compile(r"^(?P<text>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]+)`")


def decode(body: bytes, into: Any) -> Any:
    """ECL's JSON `body` (without a leading byte order mark) as the type `into` (e.g.
    `list[App]`, `App`, `SecretKey`), strictly: the fast path of `reading.py`, and the only one
    for a secret key.

    Raises BadUpstreamResponse, naming ECL's field when the JSON does not fit the type.
    """
    try:
        return tolerant_json.fast(body, into)
    except msgspec.ValidationError as error:
        raise _not_fitting(into, str(error)) from None
    except (msgspec.DecodeError, RecursionError):
        raise BadUpstreamResponse() from None


def _not_fitting(into: Any, error: str) -> BadUpstreamResponse:
    match = _AT.match(error)
    text, path = match["text"], match["path"]
    if into is SecretKey:
        return BadUpstreamResponse(_("ECL sent a secret key answer this portal cannot read."))
    if path is None and getattr(into, "__origin__", None) is list:
        return BadUpstreamResponse(_("ECL sent an app list this portal cannot read."))
    # "$[12].usage_summary[...].turn" -> "usage_summary"; "$.recording.status" stays dotted.
    field = re.sub(r"^\[\d+\]", "", path or "").lstrip(".").split("[", 1)[0]
    missing = _MISSING.match(text)
    if missing:
        field = f"{field}.{missing['field']}" if field else missing["field"]
    elif not field:
        # AppSummary.__post_init__ refusing an empty id says "id"; else the app is no object.
        field = "id" if text == "id" else "not an object"
    # `field` names ECL's field (usage_summary, ...): the same in every language.
    return BadUpstreamResponse(
        format_lazy(_("ECL sent an app this portal cannot read ({what})."), what=field)
    )
