"""Geometry of the server-rendered SVG usage chart: one panel per metric, one bar per month.

Signaling counts connections and TURN and SFU count gigabytes, so each metric gets its own panel
and scale rather than sharing an axis that would make one of them invisible.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils import formats, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from apps_admin.ecl.types import MonthUsage

PANEL_WIDTH = 220
PANEL_GAP = 20
PLOT_TOP = 40  # room for the panel title and the tallest bar's value
PLOT_HEIGHT = 120
LABEL_HEIGHT = 36  # month labels under the bars
HEIGHT = PLOT_TOP + PLOT_HEIGHT + LABEL_HEIGHT
# (key, title, unit): the titles and the unit of signaling are lazy translations; TURN, SFU and
# GB read the same in every language.
METRICS: tuple[tuple[str, str | Promise, str | Promise], ...] = (
    ("signaling", gettext_lazy("Signaling"), gettext_lazy("connections")),
    ("turn", "TURN", "GB"),
    ("sfu", "SFU", "GB"),
)


def amount(value: float) -> str:
    """12,345 for counts, 1,234.57 for fractions (trailing zeros dropped), with the separators
    of the active language (the same in English and Japanese)."""
    if float(value).is_integer():
        text = f"{int(value):,}"
    else:
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
    # Formatted by Python (a page holds hundreds of amounts: number_format would cost
    # milliseconds), then given the active language's separators if a language of the site
    # writes numbers otherwise.
    if not _separators_vary():
        return text
    language = translation.get_language()
    thousands = formats.get_format("THOUSAND_SEPARATOR", language)
    decimal = formats.get_format("DECIMAL_SEPARATOR", language)
    return text.translate({ord(","): thousands, ord("."): decimal})


@functools.cache
def _separators_vary() -> bool:
    """Whether a language of the site writes 1,234.5 otherwise (neither en nor ja does)."""
    return any(
        (
            formats.get_format("THOUSAND_SEPARATOR", code),
            formats.get_format("DECIMAL_SEPARATOR", code),
        )
        != (",", ".")
        for code, _name in settings.LANGUAGES
    )


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
    title: str | Promise
    unit: str | Promise
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
        separator = pgettext("list separator", ", ")
        listed = separator.join(f"{b.month}: {b.text} {unit}" for b in bars) or _("no data")
        sentences.append(_("%(metric)s: %(values)s.") % {"metric": title, "values": listed})
    return Chart(
        width=len(METRICS) * PANEL_WIDTH + (len(METRICS) - 1) * PANEL_GAP,
        height=HEIGHT,
        baseline=PLOT_TOP + PLOT_HEIGHT,
        label_y=PLOT_TOP + PLOT_HEIGHT + 16,
        panels=tuple(panels),
        description=" ".join(sentences),
    )
