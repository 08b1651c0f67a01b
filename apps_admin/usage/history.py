"""A year and more of every app's usage, kept by the portal: recording what ECL reports (the
current and the previous month) in `UsageMonth`; report.py reads it back.

Recording is one expanded list call per tenant and upserts of every month it reports, keyed on
(tenant, app, month) so that the database decides when two hosts record at once. A month is
final once it has ended and the next month's value was seen, or once ECL stops reporting it (an
app deleted since, a month past ECL's window); a final month's values are never lowered.

The rows are written WRITE_APPS apps per transaction, each with those apps' rows of the rollup
(rollup.py): no transaction holds the database long (SQLite lets one writer in at a time, and
a sign-in waiting past its busy timeout fails), and the rollup always says what UsageMonth says.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection, transaction
from django.utils import timezone

from apps_admin import ecl, tenancy
from apps_admin.models import Tenant, UsageMonth

logger = logging.getLogger(__name__)

BATCH = 1000  # rows per INSERT: under SQLite's 32,766 parameters (9 a row)
WRITE_APPS = 500  # apps per transaction: about 0.1 s of SQLite's time on a 2-core machine
METRICS = ("signaling", "turn", "sfu")


@functools.lru_cache(maxsize=1024)
def month_of(key: str) -> date | None:
    """ECL's `YYYY/MM` as the first day of that month; None for a key that is not a month."""
    try:
        year, number = key.split("/")
        return date(int(year), int(number), 1)
    except ValueError:
        return None


def month_key(month: date) -> str:
    """`2026-01`, as the API and the query string name a month."""
    return f"{month.year:04d}-{month.month:02d}"


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    months, current = [], first
    while current <= last:
        months.append(current)
        current = add_months(current, 1)
    return months


# --- Recording ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    """What one run recorded for a tenant."""

    apps: int
    rows: int
    unreported: int  # recorded months ECL no longer reports, final from this run on


def record(tenant: Tenant) -> Recorded:
    """Record every month ECL reports for the tenant's apps (one ECL call), WRITE_APPS apps per
    transaction with their rollup rows."""
    from apps_admin.usage import rollup  # which reads this module's month helpers

    apps = ecl.app_list(tenant, expand=True)
    started = timezone.now()
    written = 0
    for start in range(0, len(apps), WRITE_APPS):
        batch = apps[start : start + WRITE_APPS]
        rows = list(_rows(batch, started))
        with transaction.atomic():
            _upsert(tenant, rows)
            rollup.rebuild(tenant, {row[0] for row in rows})
        written += len(rows)
    # Months not reported by this run: ECL stopped reporting them (or the app is gone).
    unreported = UsageMonth.objects.filter(tenant=tenant, final=False, recorded_at__lt=started)
    ended_apps = sorted(set(unreported.values_list("app_id", flat=True)))
    ended = 0
    for start in range(0, len(ended_apps), WRITE_APPS):
        batch = ended_apps[start : start + WRITE_APPS]
        with transaction.atomic():
            ended += unreported.filter(app_id__in=batch).update(final=True)
            rollup.rebuild(tenant, batch)
    tenancy.note_usage_recorded(tenant, timezone.now())
    return Recorded(apps=len(apps), rows=written, unreported=ended)


def _rows(apps: Iterable[ecl.App], now: datetime) -> Iterator[tuple]:
    for app in apps:
        months = sorted(m for m in map(month_of, app.usage_summary) if m is not None)
        latest = months[-1] if months else date.min
        for key, counts in app.usage_summary.items():
            month = month_of(key)
            if month is None:
                continue
            yield (
                app.id,
                app.description[:255],
                month,
                int(counts.signaling),
                float(counts.turn),
                float(counts.sfu),
                month < latest,  # it has ended: the next month's value was seen
                now,
            )


def _upsert(tenant: Tenant, rows: list[tuple]) -> None:
    """INSERT ... ON CONFLICT DO UPDATE, the same on PostgreSQL and SQLite; a final month keeps
    the larger of what it holds and what ECL says now."""
    table = UsageMonth._meta.db_table
    bigger = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    keep = {
        metric: f"CASE WHEN {table}.final THEN {bigger}({table}.{metric}, excluded.{metric}) "
        f"ELSE excluded.{metric} END"
        for metric in METRICS
    }
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(batch))
        # The names are ours and every value is a parameter.
        sql = (
            f"INSERT INTO {table} (tenant_id, app_id, description, month, signaling, turn, sfu, "  # noqa: S608
            f"final, recorded_at) VALUES {values} "
            f"ON CONFLICT (tenant_id, app_id, month) DO UPDATE SET "
            f"description = excluded.description, "
            f"signaling = {keep['signaling']}, turn = {keep['turn']}, sfu = {keep['sfu']}, "
            f"final = {table}.final OR excluded.final, "
            # The later of two runs' times, whichever writes last: see `record`.
            f"recorded_at = {bigger}({table}.recorded_at, excluded.recorded_at)"
        )
        parameters = [value for row in batch for value in (tenant.pk, *row)]
        with connection.cursor() as cursor:
            cursor.execute(sql, parameters)
