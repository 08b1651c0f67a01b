"""An app's page (every field, usage table and chart) and its Suspend (asked first, on the page)
and Activate."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps_admin import app_actions, ecl
from apps_admin.access import tenant_view
from apps_admin.ecl.types import PERMISSIONS, STATUSES
from apps_admin.models import Role, Tenant
from apps_admin.pages import audit_view, usage_chart
from apps_admin.pages.common import (
    PERMISSION_HELP,
    app_label,
    app_url,
    readable_part,
    tenant_context,
)
from apps_admin.pages.errors import render_error
from apps_admin.usage import report
from apps_admin.usage.history import month_of


@require_GET
@tenant_view(Role.VIEWER)
def app_detail(request: HttpRequest, tenant: Tenant, role: Role, app_id: str) -> HttpResponse:
    try:
        app = ecl.app_get_answer(tenant, app_id).value
    except ecl.ECLError as error:
        return render_error(request, error, tenant)
    if isinstance(app, ecl.UnreadableApp):
        context = tenant_context(
            tenant,
            role,
            title=app.description or _("App %(id)s") % {"id": app_id},
            app=readable_part(app, app_id),
            reason=ecl.unreadable_message(app),
        )
        return render(request, "apps_admin/app_unreadable.html", context)
    permissions = [
        {"name": name, "on": name in app.permissions, "help": PERMISSION_HELP[name]}
        for name in PERMISSIONS
    ] + [
        {"name": name, "on": True, "help": "", "unknown": True}
        for name in app.permissions
        if name not in PERMISSIONS
    ]
    months = report.app_months(tenant, app)
    used = any(usage.signaling or usage.turn or usage.sfu for _month, usage in months)
    context = tenant_context(
        tenant,
        role,
        title=app_label(app),
        app=app,
        permissions=permissions,
        months=months,
        current_month=max(filter(None, map(month_of, app.usage_summary)), default=None),
        chart=usage_chart.chart(months) if used else None,
        chart_title=_("Usage of %(app)s by month") % {"app": app_label(app)},
        used=used,
        just_added=request.GET.get("added") == "1",
        confirm_suspend=request.GET.get("confirm") == "suspend",
        recording_incomplete=("RECORDING" in app.permissions and app.recording_status != "active"),
        status_unknown=app.status not in STATUSES,
        history=(
            audit_view.last_events_of_app(tenant.tenant_id, app.id)
            if role.allows(Role.ADMIN)
            else None
        ),
    )
    return render(request, "apps_admin/app_detail.html", context)


@require_POST
@tenant_view(Role.EDITOR)
def app_status(request: HttpRequest, tenant: Tenant, role: Role, app_id: str) -> HttpResponse:
    status = request.POST.get("status", "")
    detail = app_url(tenant, app_id)
    if status not in STATUSES:
        messages.error(request, _("Choose Suspend or Activate."))
        return HttpResponseRedirect(detail)
    if status == "suspended" and request.POST.get("confirm") != "yes":
        # Taking an app offline is asked first, on its page, whatever sent this request.
        return HttpResponseRedirect(f"{detail}?confirm=suspend#status-heading")
    try:
        app_actions.set_status(request, tenant, app_id, status, was=request.POST.get("was"))
    except ecl.ECLError as error:
        return render_error(
            request, error, tenant, back_url=detail, back_label=_("Back to the app")
        )
    if status == "suspended":
        messages.success(request, _("The app is suspended: its clients can no longer connect."))
    else:
        messages.success(request, _("The app is active: its clients can connect again."))
    return HttpResponseRedirect(detail)
