"""Adding and editing an app: rules first, then ECL; a failed save keeps what was typed.

The edit form carries a signed snapshot of the values it showed. A save writes only the fields
the user changed from it, after reading the app once more: a field someone else changed at ECL
meanwhile is shown back with both values for the user to choose, and is not written until then.

A create whose answer was lost may have made the app: the page names the apps that may be it.
The audit log remembers it: for an hour, no Save of the same description by the same person (a
form sent again by the browser included) makes a second app unless they tick "add another".
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from apps_admin import app_actions, audit, ecl
from apps_admin.access import tenant_view
from apps_admin.models import Role, Tenant
from apps_admin.pages.common import app_label, app_url, tenant_context
from apps_admin.pages.errors import log, render_error, trouble_context, with_retry_after
from apps_admin.pages.forms import KEY_FIELD, AppForm

SNAPSHOT_MAX_AGE = 24 * 3600
UNSETTLED_MEMORY = timedelta(hours=1)  # how long a create whose outcome is unknown counts


def _snapshot_salt(tenant: Tenant, app_id: str) -> str:
    return f"apps_admin.app_edit:{tenant.tenant_id}:{app_id}"


def _snapshot(tenant: Tenant, app_id: str, seen: dict[str, Any], ask: tuple[str, ...] = ()) -> str:
    return signing.dumps({"seen": seen, "ask": list(ask)}, salt=_snapshot_salt(tenant, app_id))


def _shown(request: HttpRequest, tenant: Tenant, app_id: str) -> tuple[dict, tuple] | None:
    """The values the form showed and the fields it asked about, or None when the snapshot is
    missing, altered or too old."""
    try:
        state = signing.loads(
            request.POST.get("snapshot", ""),
            salt=_snapshot_salt(tenant, app_id),
            max_age=SNAPSHOT_MAX_AGE,
        )
        seen, ask = state["seen"], tuple(state["ask"])
    except (signing.BadSignature, KeyError, TypeError):
        return None
    if not isinstance(seen, dict) or set(seen) != set(app_actions.EDITABLE):
        return None
    return seen, ask


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
    key_dropped: bool = False,
    unsettled: list[dict[str, Any]] | None = None,
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
        key_dropped=key_dropped or (form.is_bound and form.key_given),
        # After a create whose outcome is unknown: the apps that may be it, and the choice.
        unsettled=unsettled,
        maybe_created=[_maybe_created(tenant, app) for app in unsettled or ()],
        outcome_unknown=isinstance(error, ecl.OutcomeUnknown),
    )
    if error is not None:
        context.update(trouble_context(request, error, tenant))
        status = context["trouble"].status
    response = render(request, "apps_admin/app_form.html", context, status=status)
    return with_retry_after(response, error)


def _maybe_created(tenant: Tenant, app: dict[str, Any]) -> dict[str, Any]:
    try:
        created_at = datetime.fromisoformat(str(app.get("created_at", "")))
    except ValueError:
        created_at = None
    return {**app, "created_at": created_at, "url": app_url(tenant, str(app.get("id", "")))}


def _unsettled(request: HttpRequest, tenant: Tenant, description: str) -> list | None:
    """The apps that may have been made by this person's last create of `description`, when
    its outcome is unknown and it was in the last hour ([] when none could be found); else
    None."""
    event = audit.last_create(
        tenant.tenant_id,
        request.user.pk,
        description,
        since=timezone.now() - UNSETTLED_MEMORY,
    )
    if event is None or event.outcome not in (audit.UNKNOWN, audit.PENDING):
        return None
    return list((event.findings or {}).get("apps", []))


def _upstream_failure(
    tenant: Tenant, form: AppForm, error: ecl.ECLError, what: str
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
    description = form.cleaned_data["description"]
    unsettled = _unsettled(request, tenant, description)
    if unsettled is not None and not form.cleaned_data["create_another"]:
        # The same Save again (or the form sent again by the browser): the first may have
        # made the app, so a second one needs the person's explicit choice.
        return _render_form(
            request, tenant, role, form, title=title, unsettled=unsettled, status=409
        )
    try:
        app = app_actions.create(request, tenant, form.ecl_fields()).value
    except ecl.OutcomeUnknown as error:
        log(error, tenant, "create app")
        apps = (error.found or {}).get("apps", [])
        return _render_form(request, tenant, role, form, title=title, error=error, unsettled=apps)
    except ecl.ECLError as error:
        shown = _upstream_failure(tenant, form, error, "create app")
        status = 400 if shown is None else 200
        return _render_form(request, tenant, role, form, title=title, error=shown, status=status)
    messages.success(
        request, _("The app “%(app)s” was added. Its API key is below.") % {"app": app_label(app)}
    )
    # Its page then offers the next step: the secret key its clients need.
    return HttpResponseRedirect(app_url(tenant, app.id) + "?added=1")


@sensitive_post_parameters(KEY_FIELD)
@require_http_methods(["GET", "POST"])
@tenant_view(Role.EDITOR)
def app_edit(request: HttpRequest, tenant: Tenant, role: Role, app_id: str) -> HttpResponse:
    if request.method == "GET":
        try:
            app = ecl.app_get(tenant, app_id)
        except ecl.ECLError as error:
            return render_error(request, error, tenant)
        seen = app_actions.editable_values(app)
        return _render_form(
            request,
            tenant,
            role,
            AppForm(initial=AppForm.initial_from(seen), shown=seen),
            title=_("Edit %(app)s") % {"app": app_label(app)},
            app_id=app.id,
            snapshot=_snapshot(tenant, app.id, seen),
        )
    shown = _shown(request, tenant, app_id)
    if shown is None:
        return _compare_with_ecl(request, tenant, role, app_id)
    seen, ask = shown
    title = _("Edit %(app)s") % {"app": seen["description"] or _("app %(id)s") % {"id": app_id}}
    form = AppForm(request.POST, request.FILES, shown=seen, ask=ask)
    snapshot = request.POST["snapshot"]
    if not form.is_valid():
        return _render_form(
            request, tenant, role, form, title=title, app_id=app_id, snapshot=snapshot
        )
    wanted = form.changes()
    if not wanted:
        messages.info(request, _("Nothing was changed, so nothing was saved."))
        return HttpResponseRedirect(app_url(tenant, app_id))
    try:
        answer = app_actions.update_changed(request, tenant, app_id, seen=seen, wanted=wanted)
    except app_actions.Conflict as conflict:
        return _ask(request, tenant, role, app_id, form, conflict.current, conflict.fields)
    except ecl.OutcomeUnknown as error:
        found = (error.found or {}).get("app")
        if not found:
            log(error, tenant, "update app")
            return _render_form(
                request,
                tenant,
                role,
                form,
                title=title,
                app_id=app_id,
                snapshot=snapshot,
                error=error,
            )
        # Reading back found values that are neither the user's nor the ones before: show both,
        # as a conflict does.
        differing = tuple(
            name
            for name, value in wanted.items()
            if name in found and not app_actions.same(name, found[name], value)
        )
        return _ask(request, tenant, role, app_id, form, found, differing, error=error)
    except ecl.ECLError as error:
        shown_error = _upstream_failure(tenant, form, error, "update app")
        return _render_form(
            request,
            tenant,
            role,
            form,
            title=title,
            app_id=app_id,
            snapshot=snapshot,
            error=shown_error,
            status=400 if shown_error is None else 200,
        )
    label = seen["description"] if "description" not in wanted else wanted["description"]
    label = label or _("App %(id)s") % {"id": app_id}
    if answer is None:
        messages.info(request, _("ECL already had your changes to “%(app)s”.") % {"app": label})
    else:
        messages.success(request, _("The app “%(app)s” was saved.") % {"app": label})
    return HttpResponseRedirect(app_url(tenant, app_id))


def _ask(
    request: HttpRequest,
    tenant: Tenant,
    role: Role,
    app_id: str,
    form: AppForm,
    current: dict[str, Any],
    fields: tuple[str, ...],
    *,
    stale: bool = False,
    error: ecl.ECLError | None = None,
) -> HttpResponse:
    """The form again, asking about each field changed at ECL: the fields the user changed hold
    what they typed, the others ECL's current values, which are also the new snapshot (so a
    colleague's change to a field the user did not touch is still never undone)."""
    changed = {name: value for name, value in form.changes().items() if name in current}
    values = {**current, **changed}
    asking = AppForm(initial=AppForm.initial_from(values), shown=current, ask=fields)
    asking.stale = stale
    return _render_form(
        request,
        tenant,
        role,
        asking,
        title=_("Edit %(app)s") % {"app": current["description"] or app_id},
        app_id=app_id,
        snapshot=_snapshot(tenant, app_id, current, asking.ask),
        key_dropped=form.key_given,
        error=error,
        status=409,
    )


def _compare_with_ecl(
    request: HttpRequest, tenant: Tenant, role: Role, app_id: str
) -> HttpResponse:
    """A save without a usable snapshot: nobody can tell what the user changed, so every value
    that differs from ECL's is asked about, and nothing is written yet."""
    try:
        current = app_actions.editable_values(ecl.app_get(tenant, app_id))
    except ecl.ECLError as error:
        return render_error(request, error, tenant)
    form = AppForm(request.POST, request.FILES, shown=current)
    title = _("Edit %(app)s") % {"app": current["description"] or app_id}
    if not form.is_valid():
        snapshot = _snapshot(tenant, app_id, current)
        return _render_form(
            request, tenant, role, form, title=title, app_id=app_id, snapshot=snapshot
        )
    differing = tuple(name for name in form.changes() if name != KEY_FIELD)
    return _ask(request, tenant, role, app_id, form, current, differing, stale=True)
