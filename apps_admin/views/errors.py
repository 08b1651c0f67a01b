"""The one mapping from an ECL error to what a user sees: an HTTP status, a title and a message.

Every page shows upstream trouble through here, inside the normal site (header, breadcrumbs),
never as a traceback or a 500.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from apps_admin import ecl
from apps_admin.ecl.errors import state_label
from apps_admin.models import Tenant

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Trouble:
    status: int
    title: str
    message: str
    retry: bool = False  # trying again may help
    tenant_settings: bool = False  # the tenant's settings in the portal need a superuser


def describe(error: ecl.ECLError, *, changing: bool = False) -> Trouble:
    """What to tell the user about `error`, in the active language; `changing` says the request
    meant to change something (so "nothing was changed" must be true before it is said)."""
    match error:
        case ecl.UpstreamUnavailable():
            return Trouble(
                503,
                _("ECL is not answering"),
                _("ECL is not answering right now. Nothing was changed; try again in a moment."),
                retry=True,
            )
        case ecl.UpstreamTimeout() if changing:
            return Trouble(
                504,
                _("ECL took too long to answer"),
                _(
                    "ECL took too long to answer, so the portal cannot tell whether the change "
                    "was made. Check the app before trying again."
                ),
                retry=True,
            )
        case ecl.UpstreamTimeout():
            return Trouble(
                504,
                _("ECL took too long to answer"),
                _("ECL took too long to answer. Nothing was changed; try again in a moment."),
                retry=True,
            )
        case ecl.TenantUnavailable():
            state = state_label(error.state)
            return Trouble(
                409,
                _("This tenant is %(state)s at ECL") % {"state": state},
                _(
                    "ECL refuses every request for this tenant because the tenant is %(state)s "
                    "there. Nothing was changed. Your ECL contract administrator or NTT "
                    "Communications can tell you why."
                )
                % {"state": state},
            )
        case ecl.CredentialsRejected():
            return Trouble(
                502,
                _("ECL rejected this tenant's credentials"),
                _(
                    "ECL rejected the API key or secret the portal uses for this tenant, so "
                    "nothing can be shown or changed. Nothing was changed."
                ),
                tenant_settings=True,
            )
        case ecl.TenantMisconfigured():
            return Trouble(
                502,
                _("This tenant's settings cannot be used"),
                _(
                    "The portal cannot use the ECL settings stored for this tenant. Nothing was "
                    "changed."
                ),
                tenant_settings=True,
            )
        case ecl.AppNotFound():
            return Trouble(404, _("App not found"), str(error.message))
        case ecl.InvalidRequest():
            return Trouble(400, _("ECL rejected the request"), str(error.message))
        case ecl.OutcomeUnknown():
            return Trouble(502, _("The outcome is unknown"), str(error.message))
        case ecl.TokenRejected():
            return Trouble(
                502, _("ECL refused the portal's access"), str(error.message), retry=True
            )
        case ecl.BadUpstreamResponse():
            return Trouble(
                502,
                _("ECL's answer could not be read"),
                str(error.message)
                if not changing
                else _(
                    "ECL answered something the portal cannot read, so it cannot tell whether "
                    "the change was made. Check the app before trying again."
                ),
                retry=True,
            )
        case _:
            return Trouble(
                502, _("ECL could not complete the request"), str(error.message), retry=True
            )


def tenant_admin_url(tenant: Tenant) -> str:
    return reverse("admin:apps_admin_tenant_change", args=[tenant.pk])


def log(error: ecl.ECLError, tenant: Tenant, what: str) -> None:
    logger.warning(
        "%s failed: %s tenant=%s transaction_id=%s",
        what,
        error.code,
        tenant.tenant_id,
        error.transaction_id or "-",
    )


def trouble_context(
    request: HttpRequest, error: ecl.ECLError, tenant: Tenant, *, changing: bool = False
) -> dict:
    """Context for templates that show the trouble inside another page (a form, a summary)."""
    trouble = describe(error, changing=changing)
    return {
        "trouble": trouble,
        "transaction_id": error.transaction_id,
        "tenant_admin_url": (
            tenant_admin_url(tenant)
            if trouble.tenant_settings and request.user.is_superuser
            else ""
        ),
    }


def render_error(
    request: HttpRequest,
    error: ecl.ECLError,
    tenant: Tenant,
    *,
    changing: bool = False,
    back_url: str = "",
    back_label: str = "",
) -> HttpResponse:
    """The error page: the site around it, the trouble in the user's terms, a way on.

    A GET can be retried as is (the Retry link is this URL); after a POST, `back_url` leads to
    the page to start again from.
    """
    log(error, tenant, f"{request.method} {request.resolver_match.url_name}")
    context = trouble_context(request, error, tenant, changing=changing)
    trouble = context["trouble"]
    context.update(
        {
            "title": trouble.title,
            "tenant": tenant,
            "retry_url": request.get_full_path() if request.method == "GET" else "",
            "back_url": back_url,
            "back_label": back_label or _("Back"),
            "apps_url": reverse("apps_admin:app_list", args=[tenant.tenant_id]),
        }
    )
    return render(request, "apps_admin/upstream_error.html", context, status=trouble.status)
