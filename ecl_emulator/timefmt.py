"""Clock and timestamp formats: Japan time for the apps API, Keystone's UTC form for tokens."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

JST = timezone(timedelta(hours=9), "JST")


def now_jst() -> datetime:
    """The current time in Japan, to the second."""
    return datetime.now(JST).replace(microsecond=0)


def format_jst(moment: datetime) -> str:
    """`2026-11-28T16:21:20+09:00`: how the real apps API writes timestamps."""
    return moment.astimezone(JST).isoformat(timespec="seconds")


def format_keystone(epoch_seconds: float) -> str:
    """`2026-11-28T07:21:20.000000Z`: how Keystone writes `issued_at` and `expires_at`."""
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def usage_months(moment: datetime | None = None) -> tuple[str, str]:
    """The `usage_summary` keys: the previous and the current month in Japan, as `YYYY/MM`."""
    current = (moment or now_jst()).astimezone(JST)
    first = current.replace(day=1)
    previous = first - timedelta(days=1)
    return f"{previous.year:04d}/{previous.month:02d}", f"{current.year:04d}/{current.month:02d}"


def epoch_now() -> float:
    """Wall-clock seconds, the clock token expiry is measured against."""
    return time.time()
