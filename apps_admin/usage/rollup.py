"""The usage history one row per app (UsageRollup): made from UsageMonth by `record_usage` in the
transaction that writes UsageMonth, read by the usage API and page.

A row holds every recorded month of its app as JSON, `{"YYYY-MM": [signaling, turn, sfu, final,
description]}`, oldest first, and the app's place in id order (`sort_key`), so that the API reads
10,000 rows in the order it answers and streams them (report.py reads UsageMonth itself for the
CSV and one app's page).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from datetime import date
from typing import Any

import msgspec
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Collate

from apps_admin.models import Tenant, UsageMonth, UsageRollup
from apps_admin.usage.history import METRICS, month_key

BATCH_APPS = 500  # apps per transaction of `rebuild_tenant`, and per write of `record_usage`
# [signaling, turn, sfu, final, description] of one month
Month = tuple[int, float, float, bool, str]
_encode = msgspec.json.Encoder().encode
_decode_months = msgspec.json.Decoder(dict[str, Month]).decode
_ID_DIGITS = 64  # ids are at most 64 characters (types.APP_ID_MAX)


def sort_key(app_id: str | int) -> str:
    """Text that sorts, byte by byte, as `types.id_order` sorts ids: ASCII digits first, by
    their value; anything else after them, by code point (UTF-8's byte order). An id as ECL
    sent it may be a number (ecl/partial.py)."""
    if type(app_id) is int and app_id >= 0:
        return "0" + str(app_id).zfill(_ID_DIGITS)
    app_id = str(app_id)
    if app_id.isascii() and app_id.isdigit():
        return "0" + (app_id.lstrip("0") or "0").zfill(_ID_DIGITS)
    return "1" + app_id


def in_id_order() -> Any:
    """`sort_key` in byte order, whatever the database's collation."""
    if connection.vendor == "postgresql":
        return Collate(F("sort_key"), "C")
    return F("sort_key")  # SQLite compares text byte by byte (BINARY)


def months_of(text: str) -> dict[str, Month]:
    return _decode_months(text)


def rebuild(tenant: Tenant, app_ids: Collection[str]) -> int:
    """Make the rollup rows of `app_ids` again from their UsageMonth rows (one read, one write;
    call it inside the transaction that wrote UsageMonth). How many rows were written."""
    if not app_ids:
        return 0
    rows = (
        UsageMonth.objects.filter(tenant=tenant, app_id__in=list(app_ids))
        .order_by("app_id", "month")
        .values_list("app_id", "month", *METRICS, "final", "description")
    )
    found: dict[str, dict[str, Month]] = {}
    for app_id, month, signaling, turn, sfu, final, description in rows:
        found.setdefault(app_id, {})[month_key(month)] = (signaling, turn, sfu, final, description)
    rollups = [
        UsageRollup(tenant=tenant, app_id=app_id, sort_key=sort_key(app_id), months=_json(months))
        for app_id, months in found.items()
    ]
    UsageRollup.objects.bulk_create(
        rollups,
        update_conflicts=True,
        unique_fields=["tenant", "app_id"],
        update_fields=["sort_key", "months"],
    )
    return len(rollups)


def _json(months: dict[str, Month]) -> str:
    return _encode(months).decode()


def rebuild_tenant(tenant: Tenant) -> int:
    """Every rollup row of the tenant made again from UsageMonth, BATCH_APPS apps per
    transaction (the `rebuild_usage_rollup` command); rows of apps without any month go."""
    app_ids = sorted(
        UsageMonth.objects.filter(tenant=tenant).values_list("app_id", flat=True).distinct()
    )
    written = 0
    for start in range(0, len(app_ids), BATCH_APPS):
        with transaction.atomic():
            written += rebuild(tenant, app_ids[start : start + BATCH_APPS])
    UsageRollup.objects.filter(tenant=tenant).exclude(app_id__in=app_ids).delete()
    return written


def recorded(
    tenant: Tenant, app_ids: Iterable[str] | None = None
) -> Iterator[tuple[str, str, str]]:
    """(app id, sort key, months JSON) of the tenant's apps (or of `app_ids`) in id order, read
    in chunks."""
    rows = UsageRollup.objects.filter(tenant=tenant)
    if app_ids is not None:
        rows = rows.filter(app_id__in=list(app_ids))
    ordered = rows.order_by(in_id_order(), "app_id").values_list("app_id", "sort_key", "months")
    return ordered.iterator(chunk_size=2000)


def in_range(months: dict[str, Month], first: date, last: date) -> dict[str, Month]:
    """The months of `first`..`last`, in order."""
    low, high = month_key(first), month_key(last)
    return {key: value for key, value in months.items() if low <= key <= high}
