"""How an app's usage grows from month to month, as a deterministic function of the clock
(ecl-contract.md §4.10).

An app's usage in a month is its *level* for that month (what a whole month of use would
come to) times the share of the month it was in use, counted up to the emulator's now:

    level(metric, month) = base(metric) * growth ** k * (1 - 0.6 * 0.5 ** k)
                           * season(month) * noise(metric, month)

- `base`: per app, lognormal, drawn from a BLAKE2b hash of `"{tenant_id}:{app_id}"`
  (signaling about e^7.2 connections a month, TURN e^1.6 GB, SFU e^2.0 GB, widely spread);
- `growth`: per app, 0.99 to 1.06 a month; `k`: whole months since the app's creation month;
  `1 - 0.6 * 0.5 ** k` ramps a new app up (40% of its level in its first month, 70%, 85%...);
- `season`: a little less in January, May, August and December (Japanese holidays);
- `noise`: 0.85 to 1.15 per metric, a hash of the app's seed and the month.

The share of a month is the time from its start (or the app's creation) to its end (or the
emulator's now, counted in whole hours: usage figures are refreshed hourly), each stretch
weighted by the app's settings then: signaling always counts, TURN only while the app had the
TURN permission, SFU only while it had SFU, and all three at 3% while it was suspended. A
change of permissions or status takes effect from the time it is made (the emulator's now), so
what was counted before stays counted: for a clock that only moves forward, a month's value
never decreases, and once the month is over it no longer changes.

Signaling is an integer count (rounded down); TURN and SFU are gigabytes rounded to 3 decimals.
"""

from __future__ import annotations

import hashlib
import math
import struct
from dataclasses import dataclass
from datetime import UTC, datetime

from .timefmt import month_bounds, month_index, month_name

HOUR = 3600
SUSPENDED_SHARE = 0.03
# Japanese holidays: New Year, Golden Week, Obon, the year-end.
_SEASON = (0.9, 1.0, 1.02, 1.0, 0.94, 1.0, 1.0, 0.88, 1.0, 1.03, 1.02, 0.93)
_MAX_SIGNALING = 400_000.0
_MAX_GB = 5_000.0


@dataclass(slots=True)
class Usage:
    """One month of an app's usage: signaling connections, TURN and SFU traffic in GB."""

    signaling: int = 0
    turn: float = 0
    sfu: float = 0

    def as_dict(self) -> dict[str, int | float]:
        """The `{"signaling", "turn", "sfu"}` object of `usage_summary`."""
        return {"signaling": self.signaling, "turn": self.turn, "sfu": self.sfu}

    def as_json(self) -> str:
        """`as_dict` as compact JSON, written directly (lists of 10,000 apps rewrite it)."""
        return f'{{"signaling":{self.signaling!r},"turn":{self.turn!r},"sfu":{self.sfu!r}}}'


ZERO = Usage()


class UsageStamp:
    """One request's view of the clock: the two months shown and how far usage is counted."""

    __slots__ = ("current", "names", "previous", "until")

    def __init__(self, moment: datetime) -> None:
        self.current = month_index(moment)
        self.previous = self.current - 1
        self.names = (month_name(self.previous), month_name(self.current))
        # Whole hours: Japan time is a whole number of hours ahead of UTC, so an hour never
        # straddles two Japan months and `until` alone also determines the months.
        self.until = int(moment.timestamp()) // HOUR * HOUR


# A stretch of an app's life: (since, epoch seconds; TURN allowed; SFU allowed; share of use).
Period = tuple[int, bool, bool, float]


def _period(since: int, permissions: list[str], status: str) -> Period:
    share = SUSPENDED_SHARE if status == "suspended" else 1.0
    return (since, "TURN" in permissions, "SFU" in permissions, share)


class UsageModel:
    """The usage of one app: its seed, its creation time and the history of its settings."""

    __slots__ = ("_base", "_complete", "_levels", "app_id", "periods", "tenant_id")

    def __init__(
        self, tenant_id: str, app_id: int, created: int, permissions: list[str], status: str
    ) -> None:
        self.tenant_id = tenant_id
        self.app_id = app_id
        self.periods: list[Period] = [_period(created, permissions, status)]
        self._base: tuple[float, float, float, float, int, int] | None = None
        self._levels: dict[int, tuple[float, float, float]] = {}
        self._complete: dict[int, Usage] | None = None

    @property
    def created(self) -> int:
        """When the app was created, epoch seconds (no usage before)."""
        return self.periods[0][0]

    def change(self, at: int, permissions: list[str], status: str) -> None:
        """The app's permissions or status changed at `at`: they count from then on.

        What a clock set back had recorded after `at` is forgotten (the new settings hold
        from `at`); a change before the creation replaces the creation's settings.
        """
        new = _period(max(at, self.created), permissions, status)
        kept = [period for period in self.periods if period[0] < new[0]]
        if kept and kept[-1][1:] == new[1:]:
            self.periods = kept
        else:
            self.periods = [*kept, new]
        self._complete = None

    def month(self, index: int, until: int) -> Usage:
        """The usage of month `index` (see `timefmt.month_index`) counted up to `until`."""
        start, end = month_bounds(index)
        stop = until if until < end else end
        periods = self.periods
        if stop <= max(start, periods[0][0]):
            return ZERO
        over = stop == end
        if over and self._complete is not None and index in self._complete:
            return self._complete[index]
        if len(periods) == 1:  # the usual case: settings unchanged since the creation
            _, turn_allowed, sfu_allowed, share = periods[0]
            used = (stop - max(start, periods[0][0])) * share
            turn = used if turn_allowed else 0.0
            sfu = used if sfu_allowed else 0.0
        else:
            used = turn = sfu = 0.0
            for number, (since, turn_allowed, sfu_allowed, share) in enumerate(periods):
                period_end = periods[number + 1][0] if number + 1 < len(periods) else stop
                seconds = min(period_end, stop) - max(since, start)
                if seconds > 0:
                    weighted = seconds * share
                    used += weighted
                    turn += weighted if turn_allowed else 0.0
                    sfu += weighted if sfu_allowed else 0.0
        level_signaling, level_turn, level_sfu = self._levels.get(index) or self._level(index)
        length = end - start
        # Rounding is monotonic, so an amount that grows never reads lower; 0.0 is written 0.
        usage = Usage(
            int(level_signaling * used / length),
            round(level_turn * turn / length, 3) or 0,
            round(level_sfu * sfu / length, 3) or 0,
        )
        if over:  # a month over no longer changes (until the settings' history does)
            if self._complete is None:
                self._complete = {}
            self._complete[index] = usage
        return usage

    def _level(self, index: int) -> tuple[float, float, float]:
        """What a whole month `index` of use comes to, per metric."""
        level = self._levels.get(index)
        if level is None:
            if self._base is None:
                self._base = self._draw_base()
            signaling, turn, sfu, growth, seed, first_month = self._base
            k = max(0, index - first_month)
            trend = growth**k * (1 - 0.6 * 0.5**k) * _SEASON[index % 12]
            bits = _mix64(seed ^ (index * _GOLDEN & _MASK64))
            level = (
                min(signaling * trend * _noise(bits), _MAX_SIGNALING),
                min(turn * trend * _noise(bits >> 21), _MAX_GB),
                min(sfu * trend * _noise(bits >> 42), _MAX_GB),
            )
            self._levels[index] = level
        return level

    def _draw_base(self) -> tuple[float, float, float, float, int, int]:
        """The app's base levels, growth and noise seed, from `"{tenant_id}:{app_id}"`, and
        its creation month."""
        seed = f"{self.tenant_id}:{self.app_id}".encode()
        words = struct.unpack(">8Q", hashlib.blake2b(seed, digest_size=64).digest())
        u = [(word + 1) / 2.0**64 for word in words[:7]]
        return (
            math.exp(7.2 + 1.3 * _normal(u[0], u[1])),
            math.exp(1.6 + 1.1 * _normal(u[2], u[3])),
            math.exp(2.0 + 1.2 * _normal(u[4], u[5])),
            0.99 + 0.07 * u[6],
            words[7],
            month_index(datetime.fromtimestamp(self.created, UTC)),
        )


_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _mix64(value: int) -> int:
    """SplitMix64's finaliser: 64 well-mixed bits, a deterministic function of `value`."""
    value = (value + _GOLDEN) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def _noise(bits: int) -> float:
    """0.85 to 1.15 from the low 21 bits of `bits`."""
    return 0.85 + 0.3 * (bits & 0x1FFFFF) / 0x1FFFFF


def _normal(u1: float, u2: float) -> float:
    """A standard normal number from two uniform ones (Box-Muller)."""
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
