"""Reading the usage history back: what every app used in each month of a range, the months
recorded by `record_usage` merged with ECL's live list.

ECL's months are newer than any record of them, so they replace the recorded ones, except a
final month, whose recorded value stays (a final month is never lowered). The page reads a
10,000-app tenant from the rollup (rollup.py) in two queries (`summarize`, its aggregates cached
until the next recording, then `months_of` for the page shown); the API streams the rollup
(api_body.py); the CSV and an app's page read UsageMonth (`history`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from django.core.cache import cache
from django.utils import timezone

from apps_admin import ecl
from apps_admin.ecl.types import id_order
from apps_admin.models import Tenant, UsageMonth
from apps_admin.usage import rollup
from apps_admin.usage.history import METRICS, add_months, month_key, month_of, months_between

# What the page's table shows per month: TURN and SFU are billed (by the gigabyte), so their
# sum comes first.
TABLE_METRICS = ("billed", "turn", "sfu", "signaling")
AGGREGATES_KEPT = 3600  # seconds the usage page's aggregates stay cached (each run of
# `record_usage` starts new ones)


class Usage(NamedTuple):
    """One app's usage in one month."""

    signaling: float = 0
    turn: float = 0
    sfu: float = 0
    final: bool = False  # the month has ended and its value is complete

    def of(self, metric: str) -> float:
        return self.turn + self.sfu if metric == "billed" else getattr(self, metric)


NOTHING = Usage()


def live_months(app: ecl.App, first: date, last: date) -> dict[date, Usage]:
    """The months of `first`..`last` ECL reports for the app."""
    months = {}
    for key, counts in app.usage_summary.items():
        month = month_of(key)
        if month is not None and first <= month <= last:
            months[month] = Usage(counts.signaling, counts.turn, counts.sfu)
    return months


def _merged(recorded: Usage | None, live: Usage | None) -> Usage:
    if recorded is not None and (recorded.final or live is None):
        return recorded
    return live or NOTHING


# --- Every row of a range: the API and the CSV ----------------------------------------------


@dataclass
class AppHistory:
    app_id: str
    description: str
    deleted: bool  # recorded, and no longer in ECL's list
    months: dict[date, Usage] = field(default_factory=dict)


def history(
    tenant: Tenant,
    first: date,
    last: date,
    live: Iterable[ecl.App] = (),
    *,
    app_id: str | None = None,
) -> list[AppHistory]:
    """Every app with usage recorded in the range or in ECL's list (or only `app_id`), in id
    order: one query."""
    apps: dict[str, AppHistory] = {}
    rows = UsageMonth.objects.filter(tenant=tenant, month__range=(first, last))
    if app_id is not None:
        rows = rows.filter(app_id=app_id)
    values = rows.order_by("month").values_list("app_id", "description", "month", *METRICS, "final")
    for row_app, description, month, signaling, turn, sfu, final in values.iterator(5000):
        entry = apps.get(row_app)
        if entry is None:
            entry = apps[row_app] = AppHistory(row_app, description, deleted=True)
        entry.description = description or entry.description  # the latest month's
        entry.months[month] = Usage(signaling, turn, sfu, final)
    for app in live:
        entry = apps.get(app.id)
        if entry is None:
            entry = apps[app.id] = AppHistory(app.id, app.description, deleted=False)
        entry.deleted, entry.description = False, app.description
        for month, usage in live_months(app, first, last).items():
            entry.months[month] = _merged(entry.months.get(month), usage)
    return sorted(apps.values(), key=lambda entry: id_order(entry.app_id))


def app_months(tenant: Tenant, app: ecl.App, count: int = 12) -> list[tuple[date, Usage]]:
    """One app's last `count` months, oldest first: the month ECL reports last and before."""
    reported = [m for m in map(month_of, app.usage_summary) if m is not None]
    last = max(reported or [timezone.localdate().replace(day=1)])
    first = add_months(last, -(count - 1))
    found = history(tenant, first, last, live=[app], app_id=app.id)
    return sorted(found[0].months.items()) if found else []


# --- A page of a large tenant: aggregates, then the months of the apps shown ----------------


@dataclass
class Line:
    """One app in the page's table: enough to sort every app before reading any page's months."""

    app_id: str
    description: str
    deleted: bool
    status: str  # ECL's status of a live app, "" for a deleted one
    total: float  # of the table's metric over the range
    month_value: float = 0  # of the table's metric in the month the table is sorted by


@dataclass
class Summary:
    months: list[date]
    totals: dict[date, Usage]  # every app's usage by month (the chart)
    lines: list[Line]  # every app: ECL's in its order, then the deleted ones
    recorded: bool  # anything recorded for the tenant, in any month

    def total(self, metric: str) -> float:
        return sum(usage.of(metric) for usage in self.totals.values())


def summarize(
    tenant: Tenant,
    live: Sequence[ecl.App],
    first: date,
    last: date,
    metric: str,
    sort_month: date | None = None,
) -> Summary:
    """Totals by month and one line per app, for any number of apps, in three queries, or none
    while the aggregates of the last recording are cached.

    ECL's months (`shared`: any a live app reports) are read from the database apart, per app,
    so that each live app's recorded value of them can be replaced by ECL's.
    """
    months = months_between(first, last)
    in_range: dict[str, date | None] = {}  # ECL's "YYYY/MM" -> the month, None outside
    for key in {key for app in live for key in app.usage_summary}:
        month = month_of(key)
        in_range[key] = month if month is not None and first <= month <= last else None
    shared = sorted({month for month in in_range.values() if month is not None})
    recorded = _recorded(tenant, _Asked(first, last, metric, tuple(shared), sort_month))
    totals = {month: recorded.totals.get(month, NOTHING) for month in months}
    per_app = recorded.per_app
    sorted_apart = sort_month is not None and sort_month not in shared
    amount = _AMOUNTS[metric]
    index_of = {month: index for index, month in enumerate(shared)}
    sort_index = index_of.get(sort_month, -1) if sort_month is not None else -1
    # What ECL's months change in each month's total: (signaling, turn, sfu) added up.
    changes = {month: [0.0, 0.0, 0.0] for month in shared}
    lines = []
    for app in live:
        app_id = str(app.id)  # a number as ECL sent it, in a list read in part (ecl/partial.py)
        values = per_app.pop(app_id, None)
        total = (values[1] or 0) if values else 0
        month_value = (values[-1] or 0) if values and sorted_apart else 0
        done = 0  # the shared months seen, one bit each (a month ECL names twice counts once)
        for key, counts in app.usage_summary.items():
            month = in_range[key]
            if month is None:
                continue
            index = index_of[month]
            if done >> index & 1:
                continue
            done |= 1 << index
            start = 2 + 4 * index
            if values is not None and values[start] is not None:
                if values[start + 3] > 0:  # final: its recorded value stays
                    if index == sort_index:
                        month_value = amount(*values[start : start + 3])
                    continue
                was: Sequence[float] = values[start : start + 3]
            else:
                was = (0, 0, 0)
            signaling, turn, sfu = counts.signaling, counts.turn, counts.sfu
            now = amount(signaling, turn, sfu)
            total += now - amount(*was)
            change = changes[month]
            change[0] += signaling - was[0]
            change[1] += turn - was[1]
            change[2] += sfu - was[2]
            if index == sort_index:
                month_value = now
        if sort_index >= 0 and not done >> sort_index & 1:  # ECL did not report it: recorded
            start = 2 + 4 * sort_index
            kept = values[start : start + 3] if values is not None else None
            month_value = amount(*kept) if kept and kept[0] is not None else 0
        lines.append(Line(app_id, app.description, False, app.status, total, month_value))
    for month, (signaling, turn, sfu) in changes.items():
        total_before = totals[month]
        totals[month] = Usage(
            total_before.signaling + signaling, total_before.turn + turn, total_before.sfu + sfu
        )
    for app_id, values in per_app.items():  # recorded, and gone from ECL's list
        month_value = (values[-1] or 0) if sorted_apart else 0
        if sort_index >= 0:
            start = 2 + 4 * sort_index
            found = values[start] is not None
            month_value = amount(*values[start : start + 3]) if found else 0
        # The largest of its descriptions, to sort by; `months_of` puts the latest one on the
        # lines shown.
        lines.append(Line(app_id, values[0] or "", True, "", values[1] or 0, month_value))
    return Summary(months, totals, lines, recorded.anything)


@dataclass
class _Recorded:
    """What the database holds for a range, before ECL's months are merged in."""

    totals: dict[date, Usage]  # by month
    per_app: dict[str, list[Any]]  # see `_aggregate`
    anything: bool  # recorded for the tenant, in any month


class _Asked(NamedTuple):
    """What the aggregates cover: the range, the measure, ECL's months, the sorted month."""

    first: date
    last: date
    metric: str
    shared: tuple[date, ...]
    sort_month: date | None


def _recorded(tenant: Tenant, asked: _Asked) -> _Recorded:
    """The aggregates of the recorded months, from the cache while no run of `record_usage` has
    changed them: aggregating 120,000 rows (10,000 apps over a year) costs 400-700 ms, reading
    them back from the cache a few."""
    if tenant.usage_recorded_at is None:  # never recorded, or only by hand (the tests)
        return _aggregate(tenant, asked)
    shared = ",".join(map(str, asked.shared))
    key = (
        f"usage-aggregates:{tenant.pk}:{tenant.usage_recorded_at.isoformat()}:"
        f"{asked.first}:{asked.last}:{asked.metric}:{asked.sort_month}:{shared}"
    )
    found = cache.get(key)
    if found is None:
        found = _aggregate(tenant, asked)
        cache.set(key, found, AGGREGATES_KEPT)
    return found


def _aggregate(tenant: Tenant, asked: _Asked) -> _Recorded:
    """From the rollup (one row per app, one query): totals by month, and one line per app with
    a month in the range: its largest description, the total, then (signaling, turn, sfu,
    finals) of each shared month, then the sorted month's value if it is not shared; lists, as
    10,000 dictionaries would cost more."""
    first, last, metric, shared, sort_month = asked
    _low, _high = month_key(first), month_key(last)
    shared_keys = [month_key(month) for month in shared]
    apart = month_key(sort_month) if sort_month is not None and sort_month not in shared else None
    amount = _AMOUNTS[metric]
    sums: dict[str, list[float]] = {}
    per_app: dict[str, list[Any]] = {}
    anything = False
    for app_id, _sort_key, text in rollup.recorded(tenant):
        anything = True
        months = rollup.in_range(rollup.months_of(text), first, last)
        if not months:
            continue
        total, largest = 0, ""
        for key, (signaling, turn, sfu, _final, description) in months.items():
            month_sum = sums.get(key)
            if month_sum is None:
                month_sum = sums[key] = [0, 0.0, 0.0]
            month_sum[0] += signaling
            month_sum[1] += turn
            month_sum[2] += sfu
            total += amount(signaling, turn, sfu)
            largest = max(largest, description)
        values: list[Any] = [largest, total]
        for key in shared_keys:
            found = months.get(key)
            values += (*found[:3], int(found[3])) if found else (None, None, None, 0)
        if apart is not None:
            found = months.get(apart)
            values.append(amount(*found[:3]) if found else None)
        per_app[app_id] = values
    totals = {_month(key): Usage(values[0], values[1], values[2]) for key, values in sums.items()}
    return _Recorded(totals, per_app, anything)


_AMOUNTS = {
    "billed": lambda signaling, turn, sfu: turn + sfu,
    "turn": lambda signaling, turn, sfu: turn,
    "sfu": lambda signaling, turn, sfu: sfu,
    "signaling": lambda signaling, turn, sfu: signaling,
}


def _month(key: str) -> date:
    return date(int(key[:4]), int(key[5:7]), 1)


def months_of(
    tenant: Tenant, lines: Sequence[Line], live: Mapping[str, ecl.App], first: date, last: date
) -> dict[str, dict[date, Usage]]:
    """The months of the apps of one page (`lines`), by app id, from their rollup rows: one
    query. A deleted app's line gets the description of its latest month."""
    found: dict[str, dict[date, Usage]] = {line.app_id: {} for line in lines}
    described = {}
    for app_id, _sort_key, text in rollup.recorded(tenant, list(found)):
        months = rollup.in_range(rollup.months_of(text), first, last)
        for key, (signaling, turn, sfu, final, description) in months.items():
            found[app_id][_month(key)] = Usage(signaling, turn, sfu, final)
            described[app_id] = description
    for line in lines:
        if line.deleted and described.get(line.app_id):
            line.description = described[line.app_id]
    for app_id, by_month in found.items():
        app = live.get(app_id)
        if app is not None:
            for month, usage in live_months(app, first, last).items():
                by_month[month] = _merged(by_month.get(month), usage)
    return found
