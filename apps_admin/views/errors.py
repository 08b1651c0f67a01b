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

from apps_admin import ecl
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
    """What to tell the user about `error`; `changing` says the request meant to change
    something (so "nothing was changed" must be true before it is said)."""
    match error:
        case ecl.UpstreamUnavailable():
            return Trouble(
                503,
                "ECL is not answering",
                "ECL is not answering right now. Nothing was changed; try again in a moment.",
                retry=True,
            )
        case ecl.UpstreamTimeout() if changing:
            return Trouble(
                504,
                "ECL took too long to answer",
                "ECL took too long to answer, so the portal cannot tell whether the change was "
                "made. Check the app before trying again.",
                retry=True,
            )
        case ecl.UpstreamTimeout():
            return Trouble(
                504,
                "ECL took too long to answer",
                "ECL took too long to answer. Nothing was changed; try again in a moment.",
                retry=True,
            )
        case ecl.TenantUnavailable():
            return Trouble(
                409,
                f"This tenant is {error.state} at ECL",
                f"ECL refuses every request for this tenant because the tenant is {error.state} "
                "there. Nothing was changed. Your ECL contract administrator or NTT "
                "Communications can tell you why.",
            )
        case ecl.CredentialsRejected():
            return Trouble(
                502,
                "ECL rejected this tenant's credentials",
                "ECL rejected the API key or secret the portal uses for this tenant, so nothing "
                "can be shown or changed. Nothing was changed.",
                tenant_settings=True,
            )
        case ecl.TenantMisconfigured():
            return Trouble(
                502,
                "This tenant's settings cannot be used",
                "The portal cannot use the ECL settings stored for this tenant. Nothing was "
                "changed.",
                tenant_settings=True,
            )
        case ecl.AppNotFound():
            return Trouble(404, "App not found", error.message)
        case ecl.InvalidRequest():
            return Trouble(400, "ECL rejected the request", error.message)
        case ecl.OutcomeUnknown():
            return Trouble(502, "The outcome is unknown", error.message)
        case ecl.TokenRejected():
            return Trouble(502, "ECL refused the portal's access", error.message, retry=True)
        case ecl.BadUpstreamResponse():
            return Trouble(
                502,
                "ECL's answer could not be read",
                error.message
                if not changing
                else "ECL answered something the portal cannot read, so it cannot tell whether "
                "the change was made. Check the app before trying again.",
                retry=True,
            )
        case _:
            return Trouble(502, "ECL could not complete the request", error.message, retry=True)


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
            "back_label": back_label or "Back",
            "apps_url": reverse("apps_admin:app_list", args=[tenant.tenant_id]),
        }
    )
    return render(request, "apps_admin/upstream_error.html", context, status=trouble.status)
