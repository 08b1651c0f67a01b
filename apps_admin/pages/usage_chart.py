"""The server-rendered SVG usage chart, one bar per month in two panels: TURN and SFU stacked
(both gigabytes, both billed), and signaling (a count of connections) on its own scale rather
than sharing an axis that would make one or the other invisible.

Its geometry (`chart`) and its markup (`svg`), written in Python: through a template, with a
filter on every number, it took 1.8 ms of a 9 ms app page (docs/performance.md).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils import formats, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from apps_admin.usage.report import Usage

SLOT = 44  # horizontal room of one month
PANEL_MIN_WIDTH = 220
PANEL_GAP = 36
PLOT_TOP = 44  # room for the panel title, the legend and the tallest bar's value
PLOT_HEIGHT = 140
LABEL_HEIGHT = 40  # month and year under the bars
HEIGHT = PLOT_TOP + PLOT_HEIGHT + LABEL_HEIGHT


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
class Segment:
    """One metric's part of a bar (TURN under SFU in the gigabytes panel)."""

    key: str
    value: float
    y: float
    height: float


@dataclass(frozen=True)
class Bar:
    month: str  # 2026-01
    label: str  # 01
    year: str  # under January and the first bar, else ""
    text: str  # the bar's value, above it
    tooltip: str
    x: float
    width: float
    segments: tuple[Segment, ...]

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def value_y(self) -> float:
        return round(min(s.y for s in self.segments) - 4, 1)


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    x: float
    width: float
    bars: tuple[Bar, ...]
    legend: tuple[tuple[str, str, float], ...] = ()  # (key, name, x) of each stacked metric

    @property
    def right(self) -> float:
        return self.x + self.width


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: float
    label_y: float
    year_y: float
    panels: tuple[Panel, ...]
    description: str  # the data in words, for screen readers (the SVG's <desc>)
    show_values: bool  # room for each bar's value above it


def chart(months: Sequence[tuple[date, Usage]]) -> Chart:
    """The chart of `months` (oldest first): a tenant's totals, or one app's usage."""
    width = max(PANEL_MIN_WIDTH, SLOT * len(months))
    panels = (
        _panel("gigabytes", _("TURN and SFU (GB)"), 0, width, months, ("turn", "sfu")),
        _panel(
            "signaling",
            _("Signaling (connections)"),
            width + PANEL_GAP,
            width,
            months,
            ("signaling",),
        ),
    )
    separator = pgettext("list separator", ", ")

    def sentence(title: str, metric: str) -> str:
        listed = separator.join(
            f"{month:%Y-%m}: {amount(getattr(usage, metric))}" for month, usage in months
        )
        return _("%(metric)s: %(values)s.") % {"metric": title, "values": listed or _("no data")}

    description = " ".join(
        (
            sentence(_("TURN (GB)"), "turn"),
            sentence(_("SFU (GB)"), "sfu"),
            sentence(_("Signaling (connections)"), "signaling"),
        )
    )
    return Chart(
        width=int(2 * width + PANEL_GAP),
        height=HEIGHT,
        baseline=PLOT_TOP + PLOT_HEIGHT,
        label_y=PLOT_TOP + PLOT_HEIGHT + 16,
        year_y=PLOT_TOP + PLOT_HEIGHT + 32,
        panels=panels,
        description=description,
        show_values=width / max(1, len(months)) >= SLOT,
    )


def _panel(
    key: str,
    title: str,
    left: float,
    width: float,
    months: Sequence[tuple[date, Usage]],
    metrics: tuple[str, ...],
) -> Panel:
    slot = width / max(1, len(months))
    bar_width = round(min(40.0, slot * 0.7), 1)
    top = max((sum(getattr(u, m) for m in metrics) for _month, u in months), default=0) or 1
    bars = []
    for position, (month, usage) in enumerate(months):
        segments, floor = [], PLOT_TOP + PLOT_HEIGHT
        for metric in metrics:
            value = getattr(usage, metric)
            height = round(PLOT_HEIGHT * value / top, 1)
            floor = round(floor - height, 1)
            segments.append(Segment(metric, value, floor, height))
        total = sum(s.value for s in segments)
        parts = " + ".join(f"{_NAMES[s.key]} {amount(s.value)}" for s in segments)
        bars.append(
            Bar(
                month=f"{month:%Y-%m}",
                label=f"{month:%m}",
                year=f"{month:%Y}" if position == 0 or month.month == 1 else "",
                text=amount(total),
                tooltip=f"{month:%Y-%m}: {parts if len(segments) > 1 else amount(total)}",
                x=round(left + position * slot + (slot - bar_width) / 2, 1),
                width=bar_width,
                segments=tuple(segments),
            )
        )
    legend: tuple[tuple[str, str, float], ...] = ()
    if len(metrics) > 1:
        legend = tuple(
            (metric, _NAMES[metric], left + index * 64) for index, metric in enumerate(metrics)
        )
    return Panel(key, title, left, width, tuple(bars), legend)


_NAMES = {"turn": "TURN", "sfu": "SFU", "signaling": ""}


def svg(chart: Chart, title: str) -> SafeString:
    """The chart as SVG (its `<title>` is `title`): every text escaped, every number written as
    Python writes it (never localised), attributes only (no inline style: the CSP)."""
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" '
        'aria-labelledby="usage-chart-title usage-chart-desc" '
        f'viewBox="0 0 {chart.width} {chart.height}" width="{chart.width}" '
        f'height="{chart.height}" preserveAspectRatio="xMinYMin meet">'
        f'<title id="usage-chart-title">{escape(title)}</title>'
        f'<desc id="usage-chart-desc">{escape(chart.description)}</desc>'
    ]
    for panel in chart.panels:
        parts.append(
            f'<g class="panel panel-{escape(panel.key)}">'
            f'<text class="panel-title" x="{panel.x}" y="14">{escape(panel.title)}</text>'
        )
        for key, name, x in panel.legend:
            parts.append(
                f'<rect class="segment-{escape(key)}" x="{x}" y="22" width="10" height="10">'
                f'</rect><text class="legend" x="{int(x) + 14}" y="31">{escape(name)}</text>'
            )
        parts.append(
            f'<line class="axis" x1="{panel.x}" x2="{panel.right}" y1="{chart.baseline}" '
            f'y2="{chart.baseline}"></line>'
        )
        for bar in panel.bars:
            parts.append(f'<g class="bar"><title>{escape(bar.tooltip)}</title>')
            parts.extend(
                f'<rect class="segment-{escape(segment.key)}" x="{bar.x}" y="{segment.y}" '
                f'width="{bar.width}" height="{segment.height}"></rect>'
                for segment in bar.segments
            )
            parts.append("</g>")
            if chart.show_values:
                parts.append(
                    f'<text class="bar-value" x="{bar.centre}" y="{bar.value_y}" '
                    f'text-anchor="middle">{escape(bar.text)}</text>'
                )
            parts.append(
                f'<text class="bar-label" x="{bar.centre}" y="{chart.label_y}" '
                f'text-anchor="middle">{escape(bar.label)}</text>'
            )
            if bar.year:
                parts.append(
                    f'<text class="bar-year" x="{bar.centre}" y="{chart.year_y}" '
                    f'text-anchor="middle">{escape(bar.year)}</text>'
                )
        parts.append("</g>")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every text above is escaped)
