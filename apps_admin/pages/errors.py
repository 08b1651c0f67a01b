"""Upstream trouble on a page: the error's status, title and message (which each ECL error class
carries, for pages and API alike), inside the normal site, never as a traceback or a 500."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from apps_admin import ecl
from apps_admin.listing import ListingError
from apps_admin.models import Tenant

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Trouble:
    status: int
    title: str
    message: str
    retry: bool = False  # trying again may help
    tenant_settings: bool = False  # the tenant's settings in the portal need a superuser


def describe(error: ecl.ECLError) -> Trouble:
    """What to tell the user about `error`, in the active language (its class says "nothing was
    changed" only where that is known)."""
    return Trouble(
        error.status,
        str(error.title),
        str(error.message),
        retry=error.retry,
        tenant_settings=error.tenant_settings,
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


def trouble_context(request: HttpRequest, error: ecl.ECLError, tenant: Tenant) -> dict:
    """Context for templates that show the trouble inside another page (a form, a summary)."""
    trouble = describe(error)
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
    back_url: str = "",
    back_label: str = "",
) -> HttpResponse:
    """The error page: the site around it, the trouble in the user's terms, a way on.

    A GET can be retried as is (the Retry link is this URL); after a POST, `back_url` leads to
    the page to start again from.
    """
    log(error, tenant, f"{request.method} {_view_name(request)}")
    context = trouble_context(request, error, tenant)
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
    response = render(request, "apps_admin/upstream_error.html", context, status=trouble.status)
    return with_retry_after(response, error)


def with_retry_after(response: HttpResponse, error: ecl.ECLError | None) -> HttpResponse:
    """`Retry-After` on a page that shows an error which says when to come back (the API's
    answer carries it too)."""
    if error is not None and error.retry_after is not None:
        response["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
    return response


def render_bad_query(
    request: HttpRequest, error: ListingError, tenant: Tenant, list_url: str
) -> HttpResponse:
    """A list asked for in a way it cannot be shown (a page number that is no number, a month
    past 2999): 400, what to write instead, and the list as it opens by default. Nothing is
    asked of ECL."""
    logger.info("Bad query on %s: %s", _view_name(request), error.field)
    context = {
        "title": _("This list cannot be shown as asked"),
        "status": 400,
        "message": str(error),
        "tenant": tenant,
        "back_url": list_url,
    }
    return render(request, "apps_admin/error_page.html", context, status=400)


def _view_name(request: HttpRequest) -> str:
    """The URL name of the view that answers `request` (for the log)."""
    match = request.resolver_match
    return (match.url_name if match else None) or "-"
