"""Search, filters, sorting and CSV rows of an ECL app list: pure functions over `ecl.App`.

Everything runs once per request over the list ECL returned (one pass to filter, one sort; the
page is a slice, paging.py), so only the shown page is rendered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import chain
from operator import attrgetter
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps_admin import listing
from apps_admin.ecl.types import (
    PERMISSIONS,
    STATUSES,
    App,
    MonthCounts,
    UnreadableApp,
    id_order,
)
from apps_admin.pages import paging
from apps_admin.pages.csv_export import guarded_row

RECORDING_STATUSES = ("active", "unavailable")
NO_PERMISSION = "none"  # the permission filter's value for apps without any
METRICS = ("signaling", "turn", "sfu")
ZERO = MonthCounts()


# --- Usage months ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Months:
    """The months a list's usage covers: ECL sends the current and the previous one, but this
    does not assume it (an app may lack a month, another may have more)."""

    current: str = ""
    previous: str = ""

    @classmethod
    def of(cls, apps: Iterable[App]) -> Months:
        ordered = sorted(set(chain.from_iterable(map(attrgetter("usage_summary"), apps))))
        return cls(
            current=ordered[-1] if ordered else "",
            previous=ordered[-2] if len(ordered) > 1 else "",
        )


def usage_in(app: App, month: str) -> MonthCounts:
    """The app's usage in `month` (`YYYY/MM`), zero when ECL sent none for it."""
    return app.usage_summary.get(month, ZERO)


# --- Columns --------------------------------------------------------------------------------


def _when(moment: datetime | None) -> tuple[int, float]:
    return (0, 0.0) if moment is None else (1, moment.timestamp())


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise  # a lazy translation, put into words when the page is rendered
    sort: Callable[[App, Months], Any]
    numeric: bool = False
    fields: tuple[str, ...] = ()  # the App fields `sort` reads besides id and apikey


def _metric(metric: str, which: str) -> Callable[[App, Months], float]:
    def sort(app: App, months: Months) -> float:
        return getattr(usage_in(app, getattr(months, which)), metric)

    return sort


USAGE = ("usage_summary",)
APP_COLUMNS: tuple[Column, ...] = (
    Column(
        "description",
        _("Description"),
        lambda a, m: a.description.casefold(),
        fields=("description",),
    ),
    # An id is text in an App, and a number or text as ECL sent it in a page's keys (partial.py).
    Column("id", _("App ID"), lambda a, m: id_order(str(a.id))),
    Column("apikey", _("API key"), lambda a, m: a.apikey),
    Column("status", _("Status"), lambda a, m: a.status, fields=("status",)),
    Column(
        "permissions",
        _("Permissions"),
        lambda a, m: (len(a.permissions), a.permissions),
        fields=("permissions",),
    ),
    Column(
        "domains", _("Domains"), lambda a, m: (len(a.domains), a.domains[:1]), fields=("domains",)
    ),
    Column("recording", _("Recording"), lambda a, m: a.recording_status, fields=("recording",)),
    Column(
        "signaling", _("Signaling"), _metric("signaling", "current"), numeric=True, fields=USAGE
    ),
    Column("turn", _("TURN (GB)"), _metric("turn", "current"), numeric=True, fields=USAGE),
    Column("sfu", _("SFU (GB)"), _metric("sfu", "current"), numeric=True, fields=USAGE),
    Column("updated", _("Updated"), lambda a, m: _when(a.updated_at), fields=("updated_at",)),
)


# --- The query: what the query string asks for ---------------------------------------------


@dataclass(frozen=True)
class Query:
    """Search, filters, order and page, read from a query string by `listing`: a page number or
    size that is not one is a ListingError (a 400 saying why); an unknown filter value or sort
    key is ignored, so that an old bookmark still opens."""

    q: str = ""
    status: str = ""
    permission: str = ""
    recording: str = ""
    order: str = ""  # a column key, "-" first for descending; "" keeps ECL's order (by id)
    page: int = 1
    per_page: int = paging.PAGE_SIZE

    @classmethod
    def from_params(
        cls, params: Mapping[str, str], columns: Sequence[Column] = APP_COLUMNS, default: str = ""
    ) -> Query:
        return cls(
            q=listing.search(params),
            status=listing.choice(params, "status", STATUSES),
            permission=listing.choice(params, "permission", (*PERMISSIONS, NO_PERMISSION)),
            recording=listing.choice(params, "recording", RECORDING_STATUSES),
            order=listing.order(params, {c.key for c in columns}, default),
            page=listing.page_number(params),
            per_page=listing.page_size(params),
        )

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.status or self.permission or self.recording)

    def params(self, **changes: Any) -> dict[str, str]:
        """The non-default parameters, for links and forms that keep this view."""
        query = replace(self, **changes)
        pairs = {
            "q": query.q,
            "status": query.status,
            "permission": query.permission,
            "recording": query.recording,
            "o": query.order,
            listing.PAGE: str(query.page) if query.page > 1 else "",
            listing.SIZE: str(query.per_page) if query.per_page != paging.PAGE_SIZE else "",
        }
        return {name: value for name, value in pairs.items() if value}


# --- Filter and sort -----------------------------------------------------------------------


def _haystack(app: App) -> str:
    return "\n".join((app.description, str(app.id), app.apikey, *app.domains)).casefold()


def matches(app: App, query: Query) -> bool:
    if query.status and app.status != query.status:
        return False
    if query.permission == NO_PERMISSION and app.permissions:
        return False
    if query.permission not in ("", NO_PERMISSION) and query.permission not in app.permissions:
        return False
    if query.recording and app.recording_status != query.recording:
        return False
    if query.q:
        haystack = _haystack(app)
        return all(term in haystack for term in query.q.casefold().split())
    return True


# The App fields the search and each filter read besides id and apikey.
SEARCHED = ("description", "domains")
FILTERED = {"status": ("status",), "permission": ("permissions",), "recording": ("recording",)}


def fields_for(query: Query, columns: Sequence[Column] = APP_COLUMNS) -> frozenset[str]:
    """What `apply` reads of each app for `query`: a page decodes only these for every app."""
    fields: set[str] = set(SEARCHED if query.q else ())
    for name, read in FILTERED.items():
        if getattr(query, name):
            fields.update(read)
    if query.order:
        fields.update(next(c for c in columns if c.key == query.order.lstrip("-")).fields)
    return frozenset(fields)


def apply(
    apps: Iterable[App], query: Query, months: Months, columns: Sequence[Column] = APP_COLUMNS
) -> list[App]:
    """The apps the query selects, in its order (ties in id order)."""
    rows = [app for app in apps if matches(app, query)] if query.filtered else list(apps)
    if query.order:
        column = next(c for c in columns if c.key == query.order.lstrip("-"))
        rows.sort(
            key=lambda app: (column.sort(app, months), id_order(str(app.id))),
            reverse=query.order.startswith("-"),
        )
    return rows


# --- Sort links -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    key: str
    label: str | Promise
    numeric: bool
    query: dict[str, str] = field(default_factory=dict)  # the parameters of its sort link
    sorted: str = ""  # "ascending", "descending" or "" (aria-sort)


def headers(query: Query, columns: Sequence[Column] = APP_COLUMNS) -> list[Header]:
    """Column headers whose links sort by them; the sorted one's link reverses the order.
    Numbers sort largest first on the first click (which apps cost money)."""
    out = []
    for column in columns:
        current = ""
        if query.order == column.key:
            current, next_order = "ascending", "-" + column.key
        elif query.order == "-" + column.key:
            current, next_order = "descending", column.key
        else:
            next_order = ("-" if column.numeric else "") + column.key
        out.append(
            Header(
                key=column.key,
                label=column.label,
                numeric=column.numeric,
                query=query.params(order=next_order, page=1),
                sorted=current,
            )
        )
    return out


# --- Totals and CSV -------------------------------------------------------------------------


def _stamp(moment: datetime | None) -> str:
    """A time in the portal's TIME_ZONE, as the pages write it: 2023-09-06 23:17."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _usage_header(months: Months) -> list[str]:
    # CSV headers are for programs and spreadsheets: the same in every language.
    names = []
    for label, month in (("this month", months.current), ("last month", months.previous)):
        suffix = f" {month}" if month else f" ({label})"
        names += [f"signaling{suffix}", f"turn_gb{suffix}", f"sfu_gb{suffix}"]
    return names


def _usage_cells(app: App, months: Months) -> list[float]:
    current, previous = usage_in(app, months.current), usage_in(app, months.previous)
    return [getattr(u, metric) for u in (current, previous) for metric in METRICS]


def app_csv_rows(apps: Iterable[App], months: Months) -> Iterator[list[Any]]:
    """The apps list as CSV rows, header first; never a secret (ECL's app has none)."""
    yield [
        "app_id",
        "description",
        "apikey",
        "status",
        "permissions",
        "domains",
        "recording_status",
        "recording_bucket_name",
        *_usage_header(months),
        "created_at",
        "updated_at",
    ]
    for app in apps:
        yield guarded_row(
            [
                app.id,
                app.description,
                app.apikey,
                app.status,
                " ".join(app.permissions),
                " ".join(app.domains),
                app.recording_status,
                app.recording_bucket,
                *_usage_cells(app, months),
                _stamp(app.created_at),
                _stamp(app.updated_at),
            ]
        )


def unreadable_csv_rows(apps: Iterable[UnreadableApp], *, status_at: int) -> Iterator[list[Any]]:
    """The apps ECL sent that could not be read, after the others: id, description and
    `unreadable` in the status column (at `status_at`)."""
    for app in apps:
        cells = [app.id or "", app.description] + [""] * (status_at - 2) + ["unreadable"]
        yield guarded_row(cells)
