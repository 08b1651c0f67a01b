"""Reading ECL's apps as a tolerant reader (ecl-contract.md §5): strict only where a wrong value
does harm, lenient everywhere else, one record at a time.

An app's `id` and `apikey` must be present, non-empty and usable (an action must never target
the wrong app): without them the app is an UnreadableApp, shown apart, never a failed list. Every
other field only shows: a display field that is missing, `null`, of another JSON type or in
another format degrades to empty or unknown, and the reader says so (`Problem`) for the log.

A body that fits the typed structs takes msgspec's one-pass path; only a body that does not is
read again record by record (`tolerant_json.py`): a record msgspec reads on its own is as good as
ever; another (a lone surrogate, NaN, a count out of range, nesting deeper than MAX_DEPTH) is read
field by field, a lone surrogate in a display field shown as U+FFFD, never passed on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import msgspec
from django.utils.translation import gettext_lazy as _

from apps_admin.ecl import tolerant_json
from apps_admin.ecl.errors import BadUpstreamResponse
from apps_admin.ecl.tolerant_json import NotJSON, clean_text, has_lone_surrogate
from apps_admin.ecl.types import (
    APP_ID_MAX,
    COUNT_MAX,
    NO_RECORDING,
    App,
    AppList,
    AppSummary,
    MonthCounts,
    Recording,
    UnreadableApp,
    decode,
    usable_app_id,
)

JAPAN = timezone(timedelta(hours=9), "JST")  # ECL's own time, for a timestamp without offset
MISSING = "missing"
NOT_VALID_TEXT = "holding characters that are not valid text (shown as U+FFFD)"


@dataclass(frozen=True)
class Problem:
    """Something in one app ECL sent that the portal read around."""

    position: int
    app_id: str | None
    field: str
    what: str


def read_app_list(body: bytes, *, expanded: bool) -> tuple[AppList, list[Problem]]:
    """ECL's list answer: the apps that could be read, the ones that could not, and what was
    read around. `null` is an empty list; anything but an array is BadUpstreamResponse."""
    struct = App if expanded else AppSummary
    try:
        return AppList(decode(body, list[struct])), []
    except BadUpstreamResponse:
        pass
    apps, unreadable, problems = [], [], []
    for position, element in enumerate(_elements(body)):
        app, found = _read_element(element, position, struct)
        problems += found
        (unreadable if isinstance(app, UnreadableApp) else apps).append(app)
    return AppList(apps, unreadable), problems


def read_app(body: bytes) -> tuple[App | UnreadableApp, list[Problem]]:
    """ECL's answer about one app; anything but a JSON object is BadUpstreamResponse."""
    try:
        return decode(body, App), []
    except BadUpstreamResponse:
        pass
    try:
        data = tolerant_json.loads(body)
    except NotJSON:
        raise BadUpstreamResponse() from None
    if not isinstance(data, dict):
        raise BadUpstreamResponse(_("ECL sent an app this portal cannot read."))
    return _read_leniently(data, 0, App)


def list_json(body: bytes) -> bytes:
    """ECL's list answer as strict JSON (RFC 8259) to pass on, checked only to be an array
    (`null` is `[]`): as ECL sent it when msgspec reads it (without a byte order mark); else
    each app as ECL sent it when msgspec reads that app, the others re-encoded with NaN and
    Infinity as null, lone surrogates as U+FFFD and nesting past MAX_DEPTH as null."""
    try:
        listed = tolerant_json.fast(body, list[msgspec.Raw] | None)
    except msgspec.ValidationError:
        raise BadUpstreamResponse(_("ECL sent an app list this portal cannot read.")) from None
    except (msgspec.DecodeError, RecursionError):
        pass
    else:
        return b"[]" if listed is None else tolerant_json.without_bom(body)
    parts = [
        element.raw if tolerant_json.is_strict(element.raw) else tolerant_json.encode(element.value)
        for element in _elements(body)
    ]
    return b"[" + b",".join(parts) + b"]"


def app_json(body: bytes) -> bytes:
    """ECL's answer about one app as strict JSON to pass on, as `list_json` writes each app."""
    unmarked = tolerant_json.without_bom(body)
    if tolerant_json.is_strict(unmarked):
        return unmarked
    try:
        return tolerant_json.encode(tolerant_json.loads(body))
    except NotJSON:
        raise BadUpstreamResponse() from None


# Why an app is unreadable, in the user's words (the field names are ECL's).
_REASONS = {
    ("id", MISSING): _("ECL sent no id for it."),
    ("id", "neither a number nor text"): _("Its id is neither a number nor text."),
    ("id", "not usable in a URL"): _("Its id cannot be used in a web address."),
    ("id", "too long"): _("Its id is longer than the portal can keep (64 characters)."),
    ("apikey", MISSING): _("ECL sent no API key for it."),
    ("apikey", "not text"): _("Its API key is not text."),
    ("apikey", "not valid text"): _("Its API key holds characters that are not valid text."),
    ("app", "not an object"): _("It is not an app object in ECL's answer."),
}


def reason(app: UnreadableApp) -> str:
    """Why the portal cannot act on `app`, in the user's words."""
    return str(_REASONS.get((app.field, app.problem), _("Its identity cannot be read.")))


def summary(problems: Iterable[Problem]) -> list[str]:
    """One line per kind of problem: how many apps, and the first of them."""
    groups: dict[tuple[str, str], list[Problem]] = defaultdict(list)
    for problem in problems:
        groups[(problem.field, problem.what)].append(problem)
    lines = []
    for (field, what), found in groups.items():
        first = found[0]
        lines.append(
            f"{len(found)} app(s) with {field} {what} (first: app {first.app_id or '?'} "
            f"at position {first.position})"
        )
    return lines


def _elements(body: bytes) -> list[tolerant_json.Element]:
    """The apps of a list answer one by one (`null` is none); BadUpstreamResponse for anything
    but a JSON array."""
    try:
        found = tolerant_json.elements(body)
    except NotJSON:
        raise BadUpstreamResponse(_("ECL sent an app list this portal cannot read.")) from None
    return found or []


def _read_element(
    element: tolerant_json.Element, position: int, struct: type[AppSummary]
) -> tuple[AppSummary | UnreadableApp, list[Problem]]:
    """One app of a list: in one pass when msgspec reads it and it fits, else field by field."""
    try:
        return tolerant_json.fast(element.raw, struct), []
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
        return _read_leniently(element.value, position, struct)


def _read_leniently(
    item: Any, position: int, struct: type[AppSummary]
) -> tuple[AppSummary | UnreadableApp, list[Problem]]:
    if not isinstance(item, dict):
        return UnreadableApp(position, None, "app", "not an object", {}), [
            Problem(position, None, "app", "not an object")
        ]
    reader = _Lenient(item, position)
    shown = reader.display(expanded=struct is App)
    identity = reader.identity()
    if isinstance(identity, Problem):
        unreadable = UnreadableApp(position, identity.app_id, identity.field, identity.what, shown)
        return unreadable, [*reader.problems, identity]
    app_id, apikey = identity
    if struct is AppSummary:
        return AppSummary(id=app_id, apikey=apikey, description=shown["description"]), (
            reader.problems
        )
    return App(id=app_id, apikey=apikey, **shown), reader.problems


class _Lenient:
    """One app's fields, each read on its own; what had to be read around is in `problems`."""

    def __init__(self, item: dict[str, Any], position: int) -> None:
        self.item = item
        self.position = position
        self.problems: list[Problem] = []
        raw_id = item.get("id")
        usable = isinstance(raw_id, int | str) and raw_id != ""
        # For logs and pages: a lone surrogate in it is shown as U+FFFD (and makes it unusable).
        self.app_id = clean_text(str(raw_id))[:APP_ID_MAX] if usable else None

    def note(self, field: str, what: str) -> None:
        self.problems.append(Problem(self.position, self.app_id, field, what))

    def identity(self) -> tuple[str, str] | Problem:
        raw_id, apikey = self.item.get("id"), self.item.get("apikey")
        if raw_id is None or raw_id == "":
            return Problem(self.position, None, "id", MISSING)
        if isinstance(raw_id, bool) or not isinstance(raw_id, int | str):
            return Problem(self.position, None, "id", "neither a number nor text")
        if len(str(raw_id)) > APP_ID_MAX:
            return Problem(self.position, self.app_id, "id", "too long")
        if not usable_app_id(str(raw_id)):
            return Problem(self.position, self.app_id, "id", "not usable in a URL")
        if not isinstance(apikey, str) or not apikey:
            what = MISSING if apikey is None or apikey == "" else "not text"
            return Problem(self.position, self.app_id, "apikey", what)
        if has_lone_surrogate(apikey):
            return Problem(self.position, self.app_id, "apikey", "not valid text")
        return str(raw_id), apikey

    def display(self, *, expanded: bool) -> dict[str, Any]:
        shown: dict[str, Any] = {"description": self.text("description")}
        if not expanded:
            return shown
        shown.update(
            domains=self.strings("domains"),
            permissions=self.strings("permissions"),
            status=self.text("status", missing_is_a_problem=True),
            recording=self.recording(),
            usage_summary=self.usage(),
            created_at=self.moment("created_at"),
            updated_at=self.moment("updated_at"),
        )
        return shown

    def clean(self, field: str, value: str) -> str:
        if has_lone_surrogate(value):
            self.note(field, NOT_VALID_TEXT)
            return clean_text(value)
        return value

    def text(self, field: str, *, missing_is_a_problem: bool = False) -> str:
        value = self.item.get(field)
        if isinstance(value, str):
            return self.clean(field, value)
        if value is None:
            if missing_is_a_problem:
                self.note(field, MISSING)
            return ""
        self.note(field, "not text")
        return ""

    def strings(self, field: str) -> tuple[str, ...]:
        value = self.item.get(field)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.note(field, "not a list")
            return ()
        kept = tuple(self.clean(field, item) for item in value if isinstance(item, str))
        if len(kept) != len(value):
            self.note(field, "holding items that are not text")
        return kept

    def recording(self) -> Recording:
        value = self.item.get("recording")
        if value is None:
            return NO_RECORDING
        if not isinstance(value, dict):
            self.note("recording", "not an object")
            return NO_RECORDING
        status, bucket = value.get("status"), value.get("bucket_name")
        if not isinstance(status, str | None) or not isinstance(bucket, str | None):
            self.note("recording", "holding values that are not text")
        return Recording(
            status=self.clean("recording", status) if isinstance(status, str) else "",
            bucket_name=self.clean("recording", bucket) if isinstance(bucket, str) else "",
        )

    def usage(self) -> dict[str, MonthCounts]:
        value = self.item.get("usage_summary")
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.note("usage_summary", "not an object")
            return {}
        months = {}
        for month, counts in value.items():
            if not isinstance(counts, dict):
                self.note("usage_summary", "holding a month that is not an object")
                continue
            months[self.clean("usage_summary", month)] = MonthCounts(
                signaling=self.number(counts.get("signaling")),
                turn=self.number(counts.get("turn")),
                sfu=self.number(counts.get("sfu")),
            )
        return months

    def number(self, value: Any) -> int | float:
        """A count the portal can add up and keep: never NaN, Infinity or past COUNT_MAX."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            if -COUNT_MAX <= value <= COUNT_MAX:  # false for NaN
                return value
        elif isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                pass
            else:
                if -COUNT_MAX <= number <= COUNT_MAX:
                    self.note("usage_summary", "holding numbers as text")
                    return int(number) if number.is_integer() else number
        if value is not None:
            self.note("usage_summary", "holding a count that is not a number")
        return 0

    def moment(self, field: str) -> datetime | None:
        value = self.item.get(field)
        if value is None:
            return None
        if not isinstance(value, str):
            self.note(field, "not text")
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.note(field, "not a time")
            return None
        if moment.tzinfo is None:
            self.note(field, "without an offset (read as Japan time)")
            moment = moment.replace(tzinfo=JAPAN)
        return moment
