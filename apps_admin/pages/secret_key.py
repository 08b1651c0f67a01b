"""Revealing and regenerating an app's secret key: admins only, after confirming their password,
audited.

A GET never shows or changes a key: it shows what the action does, with the password field when
the password was not confirmed in the last minutes, and its one POST (password included) acts.
The page holding a key is never cached. The Regenerate form carries when it was shown (signed):
a renewal by someone else since then refuses this one, so that nobody is shown a key that the
next moment is no longer in force.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps_admin import app_actions, ecl
from apps_admin.access import tenant_view
from apps_admin.models import Role, Tenant
from apps_admin.pages.account import unconfirmed
from apps_admin.pages.common import app_label, app_url, tenant_context
from apps_admin.pages.errors import log, render_error, trouble_context


def _key_page(
    request: HttpRequest, tenant: Tenant, role: Role, app_id: str, secret: str, *, renewed: bool
) -> HttpResponse:
    context = tenant_context(
        tenant,
        role,
        title=_("New secret key") if renewed else _("Secret key"),
        app_id=app_id,
        secret=secret,
        renewed=renewed,
    )
    return render(request, "apps_admin/secret_key.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@tenant_view(Role.ADMIN)
def reveal(request: HttpRequest, tenant: Tenant, role: Role, app_id: str) -> HttpResponse:
    password_form = unconfirmed(request)
    if request.method == "GET" or password_form is not None:
        context = tenant_context(
            tenant,
            role,
            title=_("Reveal the secret key"),
            app_id=app_id,
            password_form=password_form,
        )
        status = 400 if password_form is not None and password_form.errors else 200
        return render(request, "apps_admin/secret_key_reveal.html", context, status=status)
    try:
        secret = app_actions.reveal_key(request, tenant, app_id)
    except ecl.ECLError as error:
        return render_error(
            request,
            error,
            tenant,
            back_url=app_url(tenant, app_id),
            back_label=_("Back to the app"),
        )
    return _key_page(request, tenant, role, app_id, secret, renewed=False)


ASKED_AT_MAX_AGE = 24 * 3600


def _asked_at_salt(tenant: Tenant, app_id: str) -> str:
    return f"apps_admin.secretkey_regenerate:{tenant.tenant_id}:{app_id}"


def _asked_at(request: HttpRequest, tenant: Tenant, app_id: str) -> datetime | None:
    """When the Regenerate form was shown, or None when it does not say (or was altered)."""
    try:
        moment = signing.loads(
            request.POST.get("asked_at", ""),
            salt=_asked_at_salt(tenant, app_id),
            max_age=ASKED_AT_MAX_AGE,
        )
        return datetime.fromtimestamp(float(moment), tz=UTC)
    except (signing.BadSignature, TypeError, ValueError, OverflowError):
        return None


def _regenerate_page(
    request: HttpRequest,
    tenant: Tenant,
    role: Role,
    app_id: str,
    password_form,
    *,
    error: ecl.ECLError | None = None,
) -> HttpResponse:
    try:
        app = ecl.app_get(tenant, app_id)
    except ecl.ECLError as read_error:
        return render_error(request, read_error, tenant)
    context = tenant_context(
        tenant,
        role,
        title=_("Regenerate the secret key of %(app)s") % {"app": app_label(app)},
        app=app,
        app_id=app.id,
        peer_authentication="PEER_AUTHENTICATION" in app.permissions,
        password_form=password_form,
        asked_at=signing.dumps(datetime.now(UTC).timestamp(), salt=_asked_at_salt(tenant, app.id)),
    )
    status = 400 if password_form is not None and password_form.errors else 200
    if error is not None:
        context.update(trouble_context(request, error, tenant))
        status = error.status
    return render(request, "apps_admin/secret_key_regenerate.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@tenant_view(Role.ADMIN)
def regenerate(request: HttpRequest, tenant: Tenant, role: Role, app_id: str) -> HttpResponse:
    password_form = unconfirmed(request)
    if request.method == "GET" or password_form is not None:
        return _regenerate_page(request, tenant, role, app_id, password_form)
    try:
        secret = app_actions.renew_key(
            request, tenant, app_id, asked_at=_asked_at(request, tenant, app_id)
        )
    except ecl.JustRenewed as error:
        # Someone renewed it since this page was shown: say who, and ask again.
        log(error, tenant, "renew secret key")
        return _regenerate_page(request, tenant, role, app_id, None, error=error)
    except ecl.OutcomeUnknown as error:
        log(error, tenant, "renew secret key")
        context = tenant_context(
            tenant,
            role,
            title=_("The secret key may have been regenerated"),
            app_id=app_id,
            **trouble_context(request, error, tenant),
        )
        return render(
            request, "apps_admin/secret_key_unknown.html", context, status=context["trouble"].status
        )
    except ecl.ECLError as error:
        return render_error(
            request,
            error,
            tenant,
            back_url=app_url(tenant, app_id),
            back_label=_("Back to the app"),
        )
    return _key_page(request, tenant, role, app_id, secret, renewed=True)
