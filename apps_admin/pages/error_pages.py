"""The site's error pages (400, 403, 404, 405, 500, a failed CSRF check): inside the portal's
pages, in the person's language, saying what happened and what to do, with a way back."""

from __future__ import annotations

import logging
import sys

from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from apps_admin import database_outage
from apps_admin.access import RoleTooLow, tenant_admins

logger = logging.getLogger(__name__)


# The API's error shape (`{"detail", "code"}`) for what fails under /api/ before or outside
# the API's own views (an unknown host, a body Django refuses, an error in a middleware).
_API_CODES = {400: "bad_request", 403: "permission_denied", 404: "not_found", 500: "server_error"}


def _page(request: HttpRequest, status: int, title: str, **context) -> HttpResponse:
    if request.path.startswith("/api/"):
        detail = str(context.get("message") or title)
        return JsonResponse(
            {"detail": detail, "code": _API_CODES.get(status, "error")}, status=status
        )
    return render(
        request,
        "apps_admin/error_page.html",
        {"title": title, "status": status, **context},
        status=status,
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        400,
        _("The request could not be understood"),
        message=_("Something in the request was not valid. Go back and try again."),
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, RoleTooLow):
        tenant = exception.tenant
        return _page(
            request,
            403,
            _("Your role does not allow this"),
            message=str(exception),
            role=exception.role,
            needed=exception.needed,
            admins=tenant_admins(tenant),
            tenant=tenant,
            back_url=reverse("apps_admin:app_list", args=[tenant.tenant_id]),
        )
    return _page(
        request,
        403,
        _("You may not open this page"),
        message=str(exception) if exception and str(exception) else "",
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        404,
        _("Page not found"),
        message=_(
            "There is no such page, or it is not one of your tenants'. Check the address, or "
            "start again from your tenants."
        ),
    )


def method_not_allowed(request: HttpRequest, allowed: str) -> HttpResponse:
    response = _page(
        request,
        405,
        _("This page cannot be used that way"),
        message=_(
            "This address does not answer a %(method)s request (it answers %(allowed)s). Use the "
            "page's own buttons and links."
        )
        % {"method": request.method, "allowed": allowed},
    )
    response["Allow"] = allowed
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _page(
        request,
        403,
        _("The form has expired"),
        message=_(
            "The page you sent was open too long or was opened in another session, so it was "
            "not accepted and nothing was changed. Go back, reload the page and try again."
        ),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    if database_outage.is_connection_error(sys.exc_info()[1]):
        return database_outage.unavailable_response(request)  # not a 500: see database_outage
    try:
        return _page(
            request,
            500,
            _("Something went wrong in the portal"),
            message=_(
                "The portal could not complete the request; the error is logged. Nothing you "
                "typed was saved. Try again, or tell a portal administrator if it happens again."
            ),
        )
    except Exception:  # the page itself needs the database or templates that may be the cause
        logger.exception("The error page could not be rendered")
        return HttpResponseServerError(
            "Something went wrong in the portal. Try again.", content_type="text/plain"
        )
