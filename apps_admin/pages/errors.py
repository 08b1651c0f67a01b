"""Upstream trouble on a page: the error's status, title and message (which each ECL error class
carries, for pages and API alike), inside the normal site, never as a traceback or a 500."""

from __future__ import annotations

import logging
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


def describe(error: ecl.ECLError, *, changing: bool = False) -> Trouble:
    """What to tell the user about `error`, in the active language; `changing` says the request
    meant to change something (so "nothing was changed" must be true before it is said)."""
    return Trouble(
        error.status,
        str(error.title),
        str(error.words(changing=changing)),
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


def render_bad_query(
    request: HttpRequest, error: ListingError, tenant: Tenant, list_url: str
) -> HttpResponse:
    """A list asked for in a way it cannot be shown (a page number that is no number, a month
    past 2999): 400, what to write instead, and the list as it opens by default. Nothing is
    asked of ECL."""
    logger.info("Bad query on %s: %s", request.resolver_match.url_name, error.field)
    context = {
        "title": _("This list cannot be shown as asked"),
        "status": 400,
        "message": str(error),
        "tenant": tenant,
        "back_url": list_url,
    }
    return render(request, "apps_admin/error_page.html", context, status=400)
