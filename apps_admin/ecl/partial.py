"""Reading a long app list for one page of it: every app's id and apikey checked, only the fields
the page filters and sorts by decoded, and only the apps it shows decoded whole.

A fast path in front of the tolerant reader (reading.py), never instead of it: the first problem
of any kind (a body msgspec refuses: a lone surrogate, NaN, nesting too deep; an id or apikey
that is missing or unusable; a filtered or sorted field of the wrong type or null; anything
msgspec raises) gives the list to the tolerant reader whole, as `app_list` reads it. The apps
shown are read one by one with `reading.read_app`, tolerant of their display fields as the list
reader is. A byte order mark is read past, as everywhere (tolerant_json.py).

Measured on 10,000 apps (4.7 MB): decoding every app whole 22 ms of CPU; ids, apikeys and the
months reported 8 ms, plus 5 ms to keep each app's JSON for the page's 50.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any, cast

import msgspec

from apps_admin.ecl.errors import BadUpstreamResponse
from apps_admin.ecl.reading import Problem, read_app
from apps_admin.ecl.tolerant_json import without_bom
from apps_admin.ecl.types import (
    NO_RECORDING,
    App,
    AppList,
    Moment,
    MonthCounts,
    Recording,
    UnreadableApp,
    usable_app_id,
)

# The fields a page may filter or sort by, typed as App types them but without `null` (App
# makes null empty; here a null sends the list to the tolerant reader, which does the same):
# name -> (type, default), NO_DEFAULT for a field App requires.
NO_DEFAULT = object()
KEY_FIELDS: dict[str, tuple[Any, Any]] = {
    "description": (str, ""),
    "domains": (tuple[str, ...], ()),
    "permissions": (tuple[str, ...], ()),
    "status": (str, NO_DEFAULT),
    "recording": (Recording, NO_RECORDING),
    "usage_summary": (dict[str, MonthCounts], {}),
    "updated_at": (Moment | None, None),
}


class _Keys(msgspec.Struct, kw_only=True, gc=False):
    """An app as far as a page's search, filters and order read it: its id (a number or text, as
    ECL sends it: `app_table` reads it as text), its apikey, the months it reports, and the
    fields of `keys_struct`. No `__post_init__`: 10,000 calls of one cost more than the rest."""

    id: int | str
    apikey: Annotated[str, msgspec.Meta(min_length=1)]

    @property
    def recording_status(self) -> str:
        # `recording` is a field of the struct keys_struct() makes when a page reads it.
        return self.recording.status or ""  # type: ignore[attr-defined]


@functools.cache
def keys_struct(fields: frozenset[str]) -> type[_Keys]:
    """The struct of an app's id, apikey, the months it reports and `fields` (of KEY_FIELDS)."""
    unknown = fields - KEY_FIELDS.keys()
    if unknown:
        raise ValueError(f"not fields a page reads of every app: {sorted(unknown)}")
    # Without its counts, `usage_summary` only says which months an app reports (Months.of).
    columns: list[tuple[Any, ...]] = [("usage_summary", dict[str, msgspec.Raw], {})]
    for name in sorted(fields):
        kind, default = KEY_FIELDS[name]
        column = (name, kind) if default is NO_DEFAULT else (name, kind, default)
        columns = [c for c in columns if c[0] != name] + [column]
    made = msgspec.defstruct("AppKeys", columns, bases=(_Keys,), kw_only=True, gc=False)
    return cast(type[_Keys], made)  # defstruct's type is Struct's; its base is _Keys


class PageList(list):
    """A list's apps for one page: what the page filters and sorts (the keys, or the apps
    themselves when the tolerant reader read the list), `unreadable` as AppList has it, and
    `whole(chosen)` for the apps the page shows."""

    def __init__(
        self,
        items: Iterable[Any] = (),
        unreadable: Iterable[UnreadableApp] = (),
        raws: Sequence[msgspec.Raw] | None = None,
        *,
        whole: bool = True,
    ) -> None:
        super().__init__(items)
        self.unreadable: list[UnreadableApp] = list(unreadable)
        self._raws = raws
        self._whole = whole  # False: read for its fields only, `whole` refused
        # Where `whole` reports what it read around (the operation logs it with ECL's ids).
        self.log: Callable[[list[Problem]], None] = lambda problems: None

    @classmethod
    def of(cls, apps: AppList) -> PageList:
        """Apps the tolerant reader read whole."""
        return cls(apps, apps.unreadable)

    def whole(self, chosen: Iterable[Any]) -> list[App]:
        """The apps of `chosen` (items of this list), whole."""
        if not self._whole:
            raise ValueError("this list was read for its fields only")
        if self._raws is None:  # read whole by the tolerant reader
            return list(chosen)
        position = dict(zip(map(id, self), range(len(self)), strict=True))
        apps, problems = [], []
        for item in chosen:
            index = position[id(item)]
            app, found = read_app(bytes(self._raws[index]))
            if isinstance(app, UnreadableApp):  # its id and apikey were checked: not expected
                raise BadUpstreamResponse()
            problems += [_at(problem, index) for problem in found]
            apps.append(app)
        if problems:
            self.log(problems)
        return apps


def _at(problem: Problem, index: int) -> Problem:
    return Problem(index, problem.app_id, problem.field, problem.what)


_RAWS = msgspec.json.Decoder(list[msgspec.Raw])


@functools.cache
def _decoder(fields: frozenset[str]) -> msgspec.json.Decoder:
    return msgspec.json.Decoder(list[keys_struct(fields)])  # type: ignore[misc]  # made at run time


def read(body: bytes, fields: frozenset[str], *, whole: bool = True) -> PageList | None:
    """The apps of ECL's list body as keys (`fields`), with each one's JSON kept for `whole`
    unless told; None when anything does not fit, for the tolerant reader to read the list."""
    body = without_bom(body)  # as every reader of ECL's bodies (tolerant_json.py)
    try:
        keys = _decoder(fields).decode(body)
        raws = _RAWS.decode(body) if whole else None
    except Exception:  # any refusal at all (msgspec's errors, RecursionError, ...): read it whole
        return None
    texts = [item.id for item in keys if type(item.id) is str]  # ECL's ids are numbers
    if (raws is not None and len(keys) != len(raws)) or not all(map(usable_app_id, texts)):
        return None
    return PageList(keys, raws=raws, whole=whole)
