"""Clock and timestamp formats: Japan time for the apps API, Keystone's UTC form for tokens."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

JST = timezone(timedelta(hours=9), "JST")
# The times `PATCH /_emulator/config` accepts for `now`: month arithmetic stays in range.
EARLIEST = datetime(1970, 2, 1, tzinfo=UTC)
LATEST = datetime(9998, 12, 1, tzinfo=UTC)


def now_jst() -> datetime:
    """The current time in Japan, to the second."""
    return datetime.now(JST).replace(microsecond=0)


class Clock:
    """The emulator's now: the real clock, or an instant set with `PATCH /_emulator/config`.

    A set instant stays fixed (time does not run on from it) until it is changed or cleared,
    so a test sees exactly the time it set. Everything of the apps API reads this clock
    (`usage_summary`, `created_at`, `updated_at`); token lifetimes do not (see `epoch_now`).
    """

    def __init__(self) -> None:
        self._fixed: datetime | None = None

    @property
    def fixed(self) -> datetime | None:
        """The set instant (Japan time, to the second), or None on the real clock."""
        return self._fixed

    def set(self, moment: datetime | None) -> None:
        """Fix now at `moment` (an aware datetime), or None to return to the real clock."""
        if moment is not None:
            if moment.tzinfo is None:
                raise ValueError("the time needs an offset")
            moment = moment.astimezone(JST).replace(microsecond=0)
        self._fixed = moment  # one assignment: readers never see a half-set clock

    def now(self) -> datetime:
        """The emulator's current time in Japan, to the second."""
        fixed = self._fixed
        return now_jst() if fixed is None else fixed


def parse_instant(text: str) -> datetime:
    """An ISO 8601 time with an offset (`2026-12-15T10:00:00+09:00`, `...Z`); ValueError else."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("no offset")
    if not EARLIEST <= moment < LATEST:
        raise ValueError("out of range")
    return moment


def format_jst(moment: datetime) -> str:
    """`2026-11-28T16:21:20+09:00`: how the real apps API writes timestamps."""
    return moment.astimezone(JST).isoformat(timespec="seconds")


def format_keystone(epoch_seconds: float) -> str:
    """`2026-11-28T07:21:20.000000Z`: how Keystone writes `issued_at` and `expires_at`."""
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def month_index(moment: datetime) -> int:
    """The Japan month of `moment` as a number: year * 12 + month - 1."""
    local = moment.astimezone(JST)
    return local.year * 12 + local.month - 1


def month_name(index: int) -> str:
    """`YYYY/MM` of a `month_index`."""
    return f"{index // 12:04d}/{index % 12 + 1:02d}"


def month_start(index: int) -> int:
    """Epoch seconds at 00:00 Japan time on the first day of a `month_index` month."""
    return int(datetime(index // 12, index % 12 + 1, 1, tzinfo=JST).timestamp())


@lru_cache(maxsize=1024)
def month_bounds(index: int) -> tuple[int, int]:
    """The start of a `month_index` month and of the next, epoch seconds."""
    return month_start(index), month_start(index + 1)


def epoch_now() -> float:
    """Wall-clock seconds, the clock token expiry is measured against.

    Deliberately the real clock, not the emulator's `Clock`: the portal caches tokens by real
    time, so a token must expire in real time whatever `now` a test has set.
    """
    return time.time()
