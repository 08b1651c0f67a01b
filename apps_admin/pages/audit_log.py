"""`/tenants/<tenant_id>/audit/`: a tenant's audit events for its admins, with filters."""

from datetime import datetime, time

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps_admin.access import tenant_view
from apps_admin.audit import ACTIONS
from apps_admin.models import AuditEvent, Role, Tenant
from apps_admin.pages import paging


class AuditFilterForm(forms.Form):
    app = forms.CharField(label=gettext_lazy("App ID"), required=False, max_length=64)
    user = forms.CharField(label=gettext_lazy("User"), required=False, max_length=150)
    # The actions are the log's own names (app.update, ...), the same in every language.
    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        required=False,
        choices=[("", gettext_lazy("Any action")), *((a, a) for a in ACTIONS)],
    )
    since = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    until = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput({"type": "date"})
    )


def _filtered(tenant: Tenant, form: AuditFilterForm):
    events = AuditEvent.objects.filter(tenant_id=tenant.tenant_id)
    if not form.is_valid():
        return events.none()
    data = form.cleaned_data
    if data["app"]:
        events = events.filter(app_id=data["app"].strip())
    if data["user"]:
        events = events.filter(actor_username__iexact=data["user"].strip())
    if data["action"]:
        events = events.filter(action=data["action"])
    zone = timezone.get_current_timezone()
    if data["since"]:
        events = events.filter(at__gte=datetime.combine(data["since"], time.min, zone))
    if data["until"]:
        events = events.filter(at__lte=datetime.combine(data["until"], time.max, zone))
    return events


@tenant_view(Role.ADMIN)
def audit_log(request: HttpRequest, tenant: Tenant, role: Role) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    page = paging.page_of(_filtered(tenant, form), request.GET.get("page"))
    query = {key: value for key, value in request.GET.items() if key != "page"}
    return render(
        request,
        "apps_admin/audit_log.html",
        {
            "title": _("Audit log of %(tenant)s") % {"tenant": tenant.name},
            "tenant": tenant,
            "form": form,
            "page": page,
            "pager": paging.pager(page, query, param="page"),
        },
    )
