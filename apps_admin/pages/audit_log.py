"""`/tenants/<tenant_id>/audit/`: a tenant's audit events for its admins, newest first, all of
them until a filter narrows them, in words; and their CSV export."""

from __future__ import annotations

from datetime import date

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps_admin import listing
from apps_admin.access import tenant_view
from apps_admin.audit import ACTIONS
from apps_admin.models import AuditEvent, Role, Tenant
from apps_admin.pages import audit_view, csv_export, paging
from apps_admin.pages.common import tenant_context
from apps_admin.pages.errors import render_bad_query


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
    # Dates as `listing` reads them (YYYY-MM-DD, years 2000-2999, in TIME_ZONE).
    since = forms.CharField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    until = forms.CharField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput({"type": "date"})
    )

    def clean_since(self) -> date | None:
        return _day(self.cleaned_data["since"], "since")

    def clean_until(self) -> date | None:
        return _day(self.cleaned_data["until"], "until")


def _day(text: str, field: str) -> date | None:
    try:
        return listing.parse_day(text, field)
    except listing.ListingError as error:
        raise forms.ValidationError(str(error), code="invalid") from None


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
    if data.get("since"):
        events = events.filter(at__gte=listing.day_starts(data["since"]))
    if data.get("until"):
        events = events.filter(at__lte=listing.day_ends(data["until"]))
    return events


@tenant_view(Role.ADMIN)
def audit_log(request: HttpRequest, tenant: Tenant, role: Role) -> HttpResponse:
    """A filter that is not understood is shown with its error and narrows nothing (400); a
    page number or size that is none is the 400 page of every list."""
    form = AuditFilterForm(request.GET)
    try:
        number, size = listing.page_number(request.GET), listing.page_size(request.GET)
    except listing.ListingError as error:
        return render_bad_query(request, error, tenant, _audit_url(tenant))
    page = paging.page_of(events_of(tenant, form), number, size)
    skipped = (listing.PAGE, listing.OLD_PAGE, listing.SIZE)
    query = {key: value for key, value in request.GET.items() if key not in skipped}
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
    return render(request, "apps_admin/audit_log.html", context, status=400 if form.errors else 200)


def _audit_url(tenant: Tenant) -> str:
    return reverse("apps_admin:audit", args=[tenant.tenant_id])


@tenant_view(Role.ADMIN)
def audit_export(request: HttpRequest, tenant: Tenant, role: Role) -> HttpResponse:
    """The filtered events as CSV: the log's own codes and the changes in words. A filter that
    is not understood is a 400 page (an export of every event would look like the filtered
    one)."""
    form = AuditFilterForm(request.GET)
    try:  # an export has no pages, but reads them as every list does
        listing.page_number(request.GET)
        listing.page_size(request.GET)
    except listing.ListingError as error:
        return render_bad_query(request, error, tenant, _audit_url(tenant))
    if not form.is_valid():
        field, messages = next(iter(form.errors.items()))
        error = listing.ListingError(" ".join(messages), field)
        return render_bad_query(request, error, tenant, _audit_url(tenant))
    events = events_of(tenant, form)
    header = [
        "at",
        "user",
        "action",
        "action_label",
        "app_id",
        "outcome",
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
                audit_view.one_line(event),
                event.client_ip or "",
                event.request_id,
                event.transaction_id,
            ]
        )
        for event in events.iterator()
    )
    return csv_export.csv_response(request, f"audit-{tenant.tenant_id}", [header], rows)
