"""Adding and editing an app: rules first, then one ECL call; a failed save keeps what was typed.

The edit form carries a signed snapshot of the fields as the user saw them, so the audit log can
say what changed without a second upstream call before the PUT.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from apps_admin import audit, ecl
from apps_admin.access import tenant_view
from apps_admin.forms import KEY_FIELD, AppForm, audit_fields
from apps_admin.models import Role, Tenant
from apps_admin.views.app_detail import app_label
from apps_admin.views.common import app_url, tenant_context
from apps_admin.views.errors import log, render_error, trouble_context

SNAPSHOT_MAX_AGE = 24 * 3600


def _snapshot_salt(tenant: Tenant, app_id: str) -> str:
    return f"apps_admin.app_edit:{tenant.tenant_id}:{app_id}"


def _before(request: HttpRequest, tenant: Tenant, app_id: str) -> dict[str, Any]:
    """The fields as the form showed them (from the signed snapshot), or {} if it is missing."""
    try:
        return signing.loads(
            request.POST.get("snapshot", ""),
            salt=_snapshot_salt(tenant, app_id),
            max_age=SNAPSHOT_MAX_AGE,
        )
    except signing.BadSignature:
        return {}


def _render_form(
    request: HttpRequest,
    tenant: Tenant,
    role: Role,
    form: AppForm,
    *,
    title: str,
    app_id: str = "",
    snapshot: str = "",
    error: ecl.ECLError | None = None,
    status: int = 200,
) -> HttpResponse:
    context = tenant_context(
        tenant,
        role,
        title=title,
        form=form,
        app_id=app_id,
        snapshot=snapshot,
        # A key sent with a failed save is not kept: the page asks for it again.
        key_dropped=form.is_bound and form.key_given,
    )
    if error is not None:
        context.update(trouble_context(request, error, tenant, changing=True))
        status = context["trouble"].status
    return render(request, "apps_admin/app_form.html", context, status=status)


def _upstream_failure(
    request: HttpRequest, tenant: Tenant, form: AppForm, error: ecl.ECLError, what: str
) -> ecl.ECLError | None:
    """Put ECL's 400 on its field; other errors are shown above the form."""
    log(error, tenant, what)
    if isinstance(error, ecl.InvalidRequest):
        # ECL's own text, as ECL wrote it, after our translated prefix.
        form.add_upstream_error(
            error.field, _("ECL refused this: %(message)s.") % {"message": error.upstream_message}
        )
        return None
    return error


@sensitive_post_parameters(KEY_FIELD)
@require_http_methods(["GET", "POST"])
@tenant_view(Role.EDITOR)
def app_add(request: HttpRequest, tenant: Tenant, role: Role) -> HttpResponse:
    title = _("Add app")
    if request.method == "GET":
        return _render_form(request, tenant, role, AppForm(), title=title)
    form = AppForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_form(request, tenant, role, form, title=title)
    fields = form.ecl_fields()
    changes = audit.changes_between({}, audit_fields(fields), secret=[KEY_FIELD])
    try:
        app = ecl.app_create(tenant, fields)
    except ecl.ECLError as error:
        audit.record(
            request,
            "app.create",
            outcome=audit.outcome_of(error),
            tenant_id=tenant.tenant_id,
            changes=changes,
            transaction_id=error.transaction_id,
        )
        shown = _upstream_failure(request, tenant, form, error, "create app")
        status = 400 if shown is None else 200
        return _render_form(request, tenant, role, form, title=title, error=shown, status=status)
    audit.record(request, "app.create", tenant_id=tenant.tenant_id, app_id=app.id, changes=changes)
    messages.success(
        request, _("The app “%(app)s” was added. Its API key is below.") % {"app": app_label(app)}
    )
    return HttpResponseRedirect(app_url(tenant, app.id))


@sensitive_post_parameters(KEY_FIELD)
@require_http_methods(["GET", "POST"])
@tenant_view(Role.EDITOR)
def app_edit(request: HttpRequest, tenant: Tenant, role: Role, app_id: str) -> HttpResponse:
    if request.method == "GET":
        try:
            app = ecl.app_get(tenant, app_id)
        except ecl.ECLError as error:
            return render_error(request, error, tenant)
        initial = AppForm.initial_from(app)
        snapshot = signing.dumps(
            {**initial, "domains": list(app.domains)}, salt=_snapshot_salt(tenant, app_id)
        )
        return _render_form(
            request,
            tenant,
            role,
            AppForm(initial=initial, editing=True),
            title=_("Edit %(app)s") % {"app": app_label(app)},
            app_id=app.id,
            snapshot=snapshot,
        )

    form = AppForm(request.POST, request.FILES, editing=True)
    snapshot = request.POST.get("snapshot", "")
    before = _before(request, tenant, app_id)
    shown = before.get("description") or _("app %(id)s") % {"id": app_id}
    title = _("Edit %(app)s") % {"app": shown}
    if not form.is_valid():
        return _render_form(
            request, tenant, role, form, title=title, app_id=app_id, snapshot=snapshot
        )
    fields = form.ecl_fields()
    changes = audit.changes_between(before, audit_fields(fields), secret=[KEY_FIELD])
    try:
        app = ecl.app_update(tenant, app_id, fields)
    except ecl.ECLError as error:
        audit.record(
            request,
            "app.update",
            outcome=audit.outcome_of(error),
            tenant_id=tenant.tenant_id,
            app_id=app_id,
            changes=changes,
            transaction_id=error.transaction_id,
        )
        shown = _upstream_failure(request, tenant, form, error, "update app")
        return _render_form(
            request,
            tenant,
            role,
            form,
            title=title,
            app_id=app_id,
            snapshot=snapshot,
            error=shown,
            status=400 if shown is None else 200,
        )
    audit.record(request, "app.update", tenant_id=tenant.tenant_id, app_id=app.id, changes=changes)
    if changes:
        messages.success(request, _("The app “%(app)s” was saved.") % {"app": app_label(app)})
    else:
        messages.info(request, _("Nothing changed in “%(app)s”.") % {"app": app_label(app)})
    return HttpResponseRedirect(app_url(tenant, app.id))
