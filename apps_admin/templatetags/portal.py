"""Template filters of the portal's pages: query strings, amounts, bar lengths."""

from __future__ import annotations

from django import template
from django.utils.http import urlencode

from apps_admin import usage_chart

register = template.Library()


@register.filter
def qs(params: dict | None) -> str:
    """`{"q": "a b", "p": "2"}` -> `?q=a+b&p=2` (`?` alone clears the query string)."""
    return "?" + urlencode(params or {})


@register.filter
def amount(value) -> str:
    """12,345 for counts, 1,234.57 for gigabytes."""
    if value is None or value == "":
        return ""
    return usage_chart.amount(value)


@register.filter
def share(value, largest) -> str:
    """`value` as a percentage of `largest` ("0.0" to "100.0"), for the length of an inline bar
    (a string, so that number localisation never writes "42,5" into an SVG attribute)."""
    try:
        part = 100 * float(value) / float(largest) if float(largest) > 0 else 0.0
    except (TypeError, ValueError):
        part = 0.0
    return f"{min(max(part, 0.0), 100.0):.1f}"
