"""`/tenants/<id>/usage/`: every app's signaling, TURN and SFU this month and last, with totals,
so that the apps that cost money stand out; sortable, paged, and exported as CSV."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps_admin import ecl
from apps_admin.access import tenant_view
from apps_admin.models import Role, Tenant
from apps_admin.pages import app_table, csv_export, paging
from apps_admin.pages.common import tenant_context, unreadable_rows
from apps_admin.pages.errors import render_error

DEFAULT_ORDER = "-billed"  # the apps that cost the most first


def _query(request: HttpRequest) -> app_table.Query:
    return app_table.Query.from_params(request.GET, app_table.USAGE_COLUMNS, default=DEFAULT_ORDER)


@require_GET
@tenant_view(Role.VIEWER)
def usage(request: HttpRequest, tenant: Tenant, role: Role) -> HttpResponse:
    query = _query(request)
    try:
        apps = ecl.app_list(tenant, expand=True)
    except ecl.ECLError as error:
        return render_error(request, error, tenant)
    months = app_table.Months.of(apps)
    ordered = app_table.apply(apps, query, months, app_table.USAGE_COLUMNS)
    page = paging.page_of(ordered, query.page, query.per_page)
    # Bars are scaled to the largest value of their column over every app, not just this page.
    largest = {
        column.key: max((column.sort(app, months) for app in apps), default=0)
        for column in app_table.USAGE_COLUMNS
        if column.numeric
    }
    rows = []
    for app in page.object_list:
        current = app_table.usage_in(app, months.current)
        rows.append(
            {
                "app": app,
                "current": current,
                "previous": app_table.usage_in(app, months.previous),
                "billed": current.turn + current.sfu,
            }
        )
    context = tenant_context(
        tenant,
        role,
        title=_("Usage of %(tenant)s") % {"tenant": tenant.name},
        query=query,
        page=page,
        rows=rows,
        months=months,
        largest=largest,
        totals=app_table.totals(apps, months),
        headers=app_table.headers(query, app_table.USAGE_COLUMNS),
        pager=paging.pager(page, query.params(page=1)),
        export_query=(export := {k: v for k, v in query.params().items() if k not in ("p", "n")}),
        excel_query={**export, "for": "excel"},
        unreadable=unreadable_rows(tenant, apps.unreadable),
    )
    return render(request, "apps_admin/usage.html", context)


@require_GET
@tenant_view(Role.VIEWER)
def usage_export(request: HttpRequest, tenant: Tenant, role: Role) -> HttpResponse:
    query = _query(request)
    try:
        apps = ecl.app_list(tenant, expand=True)
    except ecl.ECLError as error:
        return render_error(request, error, tenant)
    months = app_table.Months.of(apps)
    ordered = app_table.apply(apps, query, months, app_table.USAGE_COLUMNS)
    return csv_export.csv_response(
        request,
        f"usage-{tenant.tenant_id}",
        app_table.usage_csv_rows(ordered, months),
        app_table.unreadable_csv_rows(apps.unreadable, status_at=2),
    )
