"""Geometry of the server-rendered SVG usage chart: one panel per metric, one bar per month.

Signaling counts connections and TURN and SFU count gigabytes, so each metric gets its own panel
and scale rather than sharing an axis that would make one of them invisible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from apps_admin.ecl.types import MonthUsage

PANEL_WIDTH = 220
PANEL_GAP = 20
PLOT_TOP = 40  # room for the panel title and the tallest bar's value
PLOT_HEIGHT = 120
LABEL_HEIGHT = 36  # month labels under the bars
HEIGHT = PLOT_TOP + PLOT_HEIGHT + LABEL_HEIGHT
METRICS = (
    ("signaling", "Signaling", "connections"),
    ("turn", "TURN", "GB"),
    ("sfu", "SFU", "GB"),
)


def amount(value: float) -> str:
    """12,345 for counts, 1,234.57 for fractions (trailing zeros dropped)."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Bar:
    month: str
    value: float
    text: str
    x: float
    y: float
    width: float
    height: float

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def value_y(self) -> float:
        return round(self.y - 4, 1)


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    unit: str
    x: float
    bars: tuple[Bar, ...]

    @property
    def right(self) -> float:
        return self.x + PANEL_WIDTH


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: float
    label_y: float
    panels: tuple[Panel, ...]
    description: str  # the data in words, for screen readers (the SVG's <desc>)


def chart(usage: Sequence[MonthUsage]) -> Chart:
    months = list(usage)
    slot = PANEL_WIDTH / max(1, len(months))
    bar_width = min(48.0, slot * 0.6)
    panels = []
    sentences = []
    for index, (key, title, unit) in enumerate(METRICS):
        left = index * (PANEL_WIDTH + PANEL_GAP)
        values = [getattr(m, key) for m in months]
        top = max(values, default=0) or 1
        bars = []
        for position, (month, value) in enumerate(zip(months, values, strict=True)):
            height = round(PLOT_HEIGHT * value / top, 1)
            bars.append(
                Bar(
                    month=month.month,
                    value=value,
                    text=amount(value),
                    x=round(left + position * slot + (slot - bar_width) / 2, 1),
                    y=round(PLOT_TOP + PLOT_HEIGHT - height, 1),
                    width=round(bar_width, 1),
                    height=height,
                )
            )
        panels.append(Panel(key, title, unit, left, tuple(bars)))
        listed = ", ".join(f"{b.month}: {b.text} {unit}" for b in bars) or "no data"
        sentences.append(f"{title}: {listed}.")
    return Chart(
        width=len(METRICS) * PANEL_WIDTH + (len(METRICS) - 1) * PANEL_GAP,
        height=HEIGHT,
        baseline=PLOT_TOP + PLOT_HEIGHT,
        label_y=PLOT_TOP + PLOT_HEIGHT + 16,
        panels=tuple(panels),
        description=" ".join(sentences),
    )
