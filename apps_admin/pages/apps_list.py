"""`/tenants/<id>/apps/`: the apps list (search, filters, sort, pages) and its CSV export."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from apps_admin import ecl, listing
from apps_admin.access import tenant_view
from apps_admin.ecl.types import PERMISSIONS
from apps_admin.listing import ListingError
from apps_admin.models import Role, Tenant
from apps_admin.pages import app_rows, app_table, csv_export, paging
from apps_admin.pages.common import tenant_context, unreadable_rows
from apps_admin.pages.errors import render_bad_query, render_error


def _filter_links(query: app_table.Query) -> list[dict]:
    """The filter sidebar: each choice links to this view with that filter set (page reset)."""
    groups = [
        ("status", _("By status"), [("active", _("Active")), ("suspended", _("Suspended"))]),
        (
            "permission",
            _("By permission"),
            [
                *((p, p) for p in PERMISSIONS),  # ECL's names, the same in every language
                (app_table.NO_PERMISSION, pgettext("no permission", "None")),
            ],
        ),
        (
            "recording",
            _("By recording status"),
            [("active", _("Active")), ("unavailable", _("Unavailable"))],
        ),
    ]
    links = []
    for name, title, choices in groups:
        current = getattr(query, name)
        options = [
            {"label": _("All"), "query": query.params(**{name: "", "page": 1}), "on": not current}
        ]
        for value, label in choices:
            options.append(
                {
                    "label": label,
                    "query": query.params(**{name: value, "page": 1}),
                    "on": current == value,
                }
            )
        links.append({"name": name, "title": title, "options": options})
    return links


def _query(request: HttpRequest, tenant: Tenant) -> app_table.Query | HttpResponse:
    """The list's query, or the 400 page saying what is wrong with it."""
    try:
        return app_table.Query.from_params(request.GET)
    except ListingError as error:
        list_url = reverse("apps_admin:app_list", args=[tenant.tenant_id])
        return render_bad_query(request, error, tenant, list_url)


@require_GET
@tenant_view(Role.VIEWER)
def app_list(request: HttpRequest, tenant: Tenant, role: Role) -> HttpResponse:
    query = _query(request, tenant)
    if isinstance(query, HttpResponse):
        return query
    try:
        # Every app's id and apikey checked, only what the query reads decoded for all of them.
        apps = ecl.app_list_fields(tenant, app_table.fields_for(query), whole=True)
        months = app_table.Months.of(apps)
        page = paging.page_of(app_table.apply(apps, query, months), query.page, query.per_page)
        shown = apps.whole(page.object_list)
    except ecl.ECLError as error:
        return render_error(request, error, tenant)
    context = tenant_context(
        tenant,
        role,
        title=_("Apps of %(tenant)s") % {"tenant": tenant.name},
        total=len(apps),
        query=query,
        page=page,
        months=months,
        headers=app_table.headers(query),
        filters=_filter_links(query),
        hidden_search={k: v for k, v in query.params().items() if k not in ("q", listing.PAGE)},
        current_query=urlencode(query.params()),
        pager=paging.pager(page, query.params(page=1)),
        export_query=(export := query.params(page=1, per_page=paging.PAGE_SIZE)),
        excel_query={**export, "for": "excel"},
        unreadable=unreadable_rows(tenant, apps.unreadable),
    )
    context["rows"] = app_rows.rows_html(
        ((app, app_table.usage_in(app, months.current)) for app in shown),
        apps_url=context["apps_url"],
        can_edit=context["can_edit"],
    )
    return render(request, "apps_admin/app_list.html", context)


@require_GET
@tenant_view(Role.VIEWER)
def app_export(request: HttpRequest, tenant: Tenant, role: Role) -> HttpResponse:
    """Every app the list's search and filters select, in its order, as CSV."""
    query = _query(request, tenant)
    if isinstance(query, HttpResponse):
        return query
    try:
        apps = ecl.app_list(tenant, expand=True)
    except ecl.ECLError as error:
        return render_error(request, error, tenant)
    months = app_table.Months.of(apps)
    rows = app_table.apply(apps, query, months)
    return csv_export.csv_response(
        request,
        f"apps-{tenant.tenant_id}",
        app_table.app_csv_rows(rows, months),
        app_table.unreadable_csv_rows(apps.unreadable, status_at=3),
    )
