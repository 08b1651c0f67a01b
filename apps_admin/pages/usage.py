"""`/tenants/<id>/usage/`: every app's usage month by month over a range (the last 12 months by
default), recorded by `record_usage` and merged with ECL's live list: a chart of the tenant's
totals, a sortable and paged table of apps by months, and CSV of the range for charge-back."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from apps_admin import ecl, listing
from apps_admin.access import tenant_view
from apps_admin.ecl.types import id_order
from apps_admin.listing import ListingError
from apps_admin.models import Role, Tenant
from apps_admin.pages import csv_export, paging, usage_chart
from apps_admin.pages.common import tenant_context, unreadable_rows
from apps_admin.pages.errors import render_error
from apps_admin.usage import report
from apps_admin.usage.history import month_key, months_between

METRIC_LABELS = {
    "billed": gettext_lazy("TURN + SFU (GB, billed)"),
    "turn": gettext_lazy("TURN (GB)"),
    "sfu": gettext_lazy("SFU (GB)"),
    "signaling": gettext_lazy("Signaling (connections)"),
}
DEFAULT_ORDER = "-total"  # the apps that cost the most first
LIVE_FIELDS = frozenset({"description", "status", "usage_summary"})  # what it reads of ECL's


@dataclass(frozen=True)
class UsageQuery:
    """What the query string asks for, read by `listing`: a wrong month, page number or page
    size is a ListingError (a 400 saying why); an unknown measure or sort key is ignored, so
    that an old bookmark still opens."""

    first: date
    last: date
    metric: str = "billed"
    order: str = DEFAULT_ORDER  # app, id, total or mYYYY-MM; "-" first for descending
    page: int = 1
    per_page: int = paging.PAGE_SIZE

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> UsageQuery:
        first, last = listing.month_range(params.get("from"), params.get("to"))
        query = cls(
            first,
            last,
            metric=listing.choice(params, "metric", report.TABLE_METRICS) or "billed",
            page=listing.page_number(params),
            per_page=listing.page_size(params),
        )
        return replace(query, order=listing.order(params, query.sort_keys, DEFAULT_ORDER))

    @property
    def months(self) -> list[date]:
        return months_between(self.first, self.last)

    @property
    def sort_keys(self) -> set[str]:
        return {"app", "id", "total", *(f"m{month_key(m)}" for m in self.months)}

    @property
    def sort_month(self) -> date | None:
        key = self.order.lstrip("-")
        return listing.parse_month(key[1:]) if key.startswith("m") else None

    def params(self, **changes: Any) -> dict[str, str]:
        query = replace(self, **changes)
        pairs = {
            "from": month_key(query.first),
            "to": month_key(query.last),
            "metric": query.metric if query.metric != "billed" else "",
            "o": query.order if query.order != DEFAULT_ORDER else "",
            listing.PAGE: str(query.page) if query.page > 1 else "",
            listing.SIZE: str(query.per_page) if query.per_page != paging.PAGE_SIZE else "",
        }
        return {name: value for name, value in pairs.items() if value}


_SORT_KEYS: dict[str, Callable[[report.Line], Any]] = {
    "app": lambda line: (line.description.casefold(), id_order(line.app_id)),
    "id": lambda line: id_order(line.app_id),
    "total": lambda line: (line.total, id_order(line.app_id)),
    "month": lambda line: (line.month_value, id_order(line.app_id)),
}


def _sort(lines: list[report.Line], order: str) -> list[report.Line]:
    key = order.lstrip("-")
    value = _SORT_KEYS.get(key, _SORT_KEYS["month"])
    return sorted(lines, key=value, reverse=order.startswith("-"))


def _headers(query: UsageQuery) -> list[dict[str, Any]]:
    """The sort links of the table's columns; numbers sort largest first on the first click."""
    columns = [("app", _("App"), False), ("id", _("ID"), False)]
    columns += [(f"m{month_key(m)}", month_key(m), True) for m in query.months]
    columns.append(("total", _("Total"), True))
    headers = []
    for key, label, numeric in columns:
        sorted_as, next_order = "", ("-" if numeric else "") + key
        if query.order == key:
            sorted_as, next_order = "ascending", "-" + key
        elif query.order == "-" + key:
            sorted_as, next_order = "descending", key
        link = query.params(order=next_order, page=1)
        headers.append(
            {"key": key, "label": label, "numeric": numeric, "sorted": sorted_as, "query": link}
        )
    return headers


@require_GET
@tenant_view(Role.VIEWER)
def usage(request: HttpRequest, tenant: Tenant, role: Role) -> HttpResponse:
    try:
        query = UsageQuery.from_params(request.GET)
    except ListingError as error:
        return _range_error(request, tenant, role, str(error))
    try:
        # Every app's id and apikey checked, only what the page reads decoded (ecl/partial.py).
        apps = ecl.app_list_fields(tenant, LIVE_FIELDS)
    except ecl.ECLError as error:
        return render_error(request, error, tenant)
    summary = report.summarize(
        tenant, apps, query.first, query.last, query.metric, query.sort_month
    )
    page = paging.page_of(_sort(summary.lines, query.order), query.page, query.per_page)
    live = {str(app.id): app for app in apps}
    months = report.months_of(tenant, list(page.object_list), live, query.first, query.last)
    rows = [
        {
            "line": line,
            "cells": [
                months[line.app_id].get(m, report.NOTHING).of(query.metric) for m in query.months
            ],
        }
        for line in page.object_list
    ]
    totals = [summary.totals[m].of(query.metric) for m in query.months]
    context = tenant_context(
        tenant,
        role,
        title=_("Usage of %(tenant)s") % {"tenant": tenant.name},
        query=query,
        range_form=_range_form(query),
        metric_label=METRIC_LABELS[query.metric],
        page=page,
        rows=rows,
        headers=_headers(query),
        totals=totals,
        total=summary.total(query.metric),
        largest=max((line.total for line in summary.lines), default=0),
        recorded=summary.recorded,
        this_month=_live_month(apps),
        chart=usage_chart.chart([(m, summary.totals[m]) for m in query.months]),
        chart_title=_("Usage of %(tenant)s by month, %(first)s to %(last)s")
        % {"tenant": tenant.name, "first": month_key(query.first), "last": month_key(query.last)},
        pager=paging.pager(page, query.params(page=1)),
        export_query=(
            export := query.params(order=DEFAULT_ORDER, page=1, per_page=paging.PAGE_SIZE)
        ),
        excel_query={**export, "for": "excel"},
        unreadable=unreadable_rows(tenant, apps.unreadable),
    )
    return render(request, "apps_admin/usage.html", context)


def _live_month(apps: list[ecl.App]) -> str:
    """The month ECL counts now (the latest it reports), as a column header names it."""
    months = {key for app in apps for key in app.usage_summary}
    return max(months).replace("/", "-") if months else ""


def _range_form(query: UsageQuery) -> dict[str, Any]:
    return {
        "from": month_key(query.first),
        "to": month_key(query.last),
        "metric": query.metric,
        "metrics": list(METRIC_LABELS.items()),
        "n": query.per_page if query.per_page != paging.PAGE_SIZE else "",
    }


def _range_error(request: HttpRequest, tenant: Tenant, role: Role, message: str) -> HttpResponse:
    """The page with the range form and what is wrong with the query, and nothing asked of
    ECL."""
    first, last = listing.month_range(None, None)
    form = _range_form(UsageQuery(first, last))
    form.update({"from": request.GET.get("from", "")[:20], "to": request.GET.get("to", "")[:20]})
    context = tenant_context(
        tenant,
        role,
        title=_("Usage of %(tenant)s") % {"tenant": tenant.name},
        range_form=form,
        range_error=message,
    )
    return render(request, "apps_admin/usage.html", context, status=400)


@require_GET
@tenant_view(Role.VIEWER)
def usage_export(request: HttpRequest, tenant: Tenant, role: Role) -> HttpResponse:
    """Every app's every month of the range, one row each (the long form a spreadsheet pivots)."""
    try:
        query = UsageQuery.from_params(request.GET)
    except ListingError as error:
        return _range_error(request, tenant, role, str(error))
    try:
        apps = ecl.app_list(tenant, expand=True)
    except ecl.ECLError as error:
        return render_error(request, error, tenant)
    found = report.history(tenant, query.first, query.last, live=apps)
    name = f"usage-{tenant.tenant_id}-{month_key(query.first)}-{month_key(query.last)}"
    return csv_export.csv_response(request, name, _csv_rows(found, query.months))


CSV_HEADER = [
    "app_id",
    "description",
    "deleted",
    "month",
    "signaling",
    "turn_gb",
    "sfu_gb",
    "final",
]


def _csv_rows(apps: list[report.AppHistory], months: list[date]) -> Iterator[list[Any]]:
    """One row per app and month of the range, as the page's table (0 where nothing was recorded
    or reported), so that every app is there and a pivot table needs no gaps filled."""
    yield CSV_HEADER
    for app in apps:
        deleted = "true" if app.deleted else "false"
        for month in months:
            usage = app.months.get(month, report.NOTHING)
            yield csv_export.guarded_row(
                (
                    app.app_id,
                    app.description,
                    deleted,
                    month_key(month),
                    usage.signaling,
                    usage.turn,
                    usage.sfu,
                    "true" if usage.final else "false",
                )
            )
