"""`/tenants/<tenant_id>/audit/`: a tenant's audit events for its admins, newest first, all of
them until a filter narrows them, in words; and their CSV export."""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps_admin.access import tenant_view
from apps_admin.audit import ACTIONS
from apps_admin.models import AuditEvent, Role, Tenant
from apps_admin.pages import audit_view, csv_export, paging
from apps_admin.pages.common import tenant_context


class AuditFilterForm(forms.Form):
    """Every field may stay empty: an empty field is "any"."""

    app = forms.CharField(label=gettext_lazy("App ID"), required=False, max_length=64)
    user = forms.CharField(label=gettext_lazy("User"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        required=False,
        choices=[
            ("", gettext_lazy("Any action")),
            *((code, audit_view.ACTION_LABELS.get(code, code)) for code in ACTIONS),
        ],
    )
    since = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    until = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput({"type": "date"})
    )


def events_of(tenant: Tenant, form: AuditFilterForm) -> QuerySet[AuditEvent]:
    """The tenant's events, newest first, narrowed by the form's valid fields (an invalid one,
    which the page shows with its error, narrows nothing)."""
    events = AuditEvent.objects.filter(tenant_id=tenant.tenant_id).order_by("-at", "-id")
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    if data.get("app"):
        events = events.filter(app_id=data["app"].strip())
    if data.get("user"):
        events = events.filter(actor_username__iexact=data["user"].strip())
    if data.get("action"):
        events = events.filter(action=data["action"])
    zone = timezone.get_current_timezone()
    if data.get("since"):
        events = events.filter(at__gte=datetime.combine(data["since"], time.min, zone))
    if data.get("until"):
        events = events.filter(at__lte=datetime.combine(data["until"], time.max, zone))
    return events


@tenant_view(Role.ADMIN)
def audit_log(request: HttpRequest, tenant: Tenant, role: Role) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    size = paging.page_size(request.GET.get("n"))
    page = paging.page_of(events_of(tenant, form), request.GET.get("page"), size)
    query = {key: value for key, value in request.GET.items() if key not in ("page", "n")}
    context = tenant_context(
        tenant,
        role,
        title=_("Audit log of %(tenant)s") % {"tenant": tenant.name},
        form=form,
        page=page,
        rows=audit_view.rows(page.object_list),
        pager=paging.pager(page, query, param="page"),
        export_query=query,
        excel_query={**query, "for": "excel"},
        filtered=any(value for value in query.values()),
    )
    return render(request, "apps_admin/audit_log.html", context)


@tenant_view(Role.ADMIN)
def audit_export(request: HttpRequest, tenant: Tenant, role: Role) -> HttpResponse:
    """The filtered events as CSV: the log's own codes and the changes in words."""
    events = events_of(tenant, AuditFilterForm(request.GET))
    header = [
        "at",
        "user",
        "action",
        "action_label",
        "app_id",
        "outcome",
        "outcome_label",
        "changes",
        "client_ip",
        "request_id",
        "transaction_id",
    ]
    rows = (
        csv_export.guarded_row(
            [
                timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
                event.actor_username,
                event.action,
                audit_view.action_label(event.action),
                event.app_id,
                event.outcome,
                audit_view.outcome_label(event),
                audit_view.one_line(event),
                event.client_ip or "",
                event.request_id,
                event.transaction_id,
            ]
        )
        for event in events.iterator()
    )
    return csv_export.csv_response(request, f"audit-{tenant.tenant_id}", [header], rows)
