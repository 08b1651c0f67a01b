"""Template filters and tags of the portal's pages: query strings, amounts, bar lengths, ECL's
values in the user's words, the usage chart."""

from __future__ import annotations

from django import template
from django.utils.html import format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from apps_admin.pages import usage_chart

register = template.Library()

# ECL's values (sent and filtered as they are) and how a page names them.
STATUS_LABELS = {"active": _("Active"), "suspended": _("Suspended")}
RECORDING_LABELS = {"active": _("Active"), "unavailable": _("Unavailable")}


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


@register.filter
def status_label(value: str) -> str:
    """An app's status (`active`, `suspended`) in the user's words; an unknown one as sent."""
    return str(STATUS_LABELS.get(value) or capfirst(value or ""))


@register.filter
def recording_label(value: str) -> str:
    """A recording status (`active`, `unavailable`) in the user's words; an unknown one as sent."""
    return str(RECORDING_LABELS.get(value) or capfirst(value or ""))


@register.filter
def code_list(values) -> SafeString:
    """`["a.example", "b.example"]` -> `<code>a.example</code>, <code>b.example</code>`, with
    the list separator of the active language; each value escaped."""
    separator = pgettext("list separator", ", ")
    return format_html_join(separator, "<code>{}</code>", ((value,) for value in values or ()))


@register.simple_tag
def usage_chart_svg(chart, title) -> SafeString:
    """The usage chart's SVG (pages/usage_chart.py)."""
    return usage_chart.svg(chart, str(title))
