"""The API's one exception handler: every error answers `{"detail": "...", "code": "..."}`.

An ECL error answers the status and code its class carries (the same as the pages'); DRF's and
Django's own errors get the same shape. A validation error adds `fields`,
`{field: [messages]}`. `detail` is in the request's language (Accept-Language; DRF's own messages
come from DRF's catalogs); `code`, field names and ECL's own texts never change. An unexpected
error is a 500 in the same shape (`server_error`), logged with its traceback as Django logs one,
never shown.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.signals import got_request_exception
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from apps_admin import database_outage, ecl

# What each status of the API means, for the schema (see views.py).
STATUS_MEANINGS = {
    400: gettext_lazy(
        "Invalid input: the portal's checks or ECL's (`code` `invalid`, with `fields`), or a "
        "body that is not JSON or is nested too deep (`parse_error`)."
    ),
    401: gettext_lazy("No credentials, or an unknown, revoked or expired token."),
    403: gettext_lazy(
        "Your role in the tenant is too low (`permission_denied`), your API token's scope does "
        "not allow the call (`token_scope`), your password must be confirmed first "
        "(`reauth_required`), or the tenant is suspended or deleted at ECL "
        "(`tenant_unavailable`)."
    ),
    404: gettext_lazy("No such tenant for you (`not_found`), or no such app (`app_not_found`)."),
    413: gettext_lazy("The request body is larger than API_MAX_BODY_BYTES (`request_too_large`)."),
    429: gettext_lazy(
        "Too many secret key calls; try again after `Retry-After` seconds (`throttled`)."
    ),
    409: gettext_lazy(
        "Another change to this app was under way for the whole time allowed "
        "(`write_in_progress`), or its secret key was renewed by someone else while you asked "
        "(`secretkey_just_renewed`, with `renewed_by` and `renewed_at`). Nothing was changed."
    ),
    502: gettext_lazy(
        "ECL answered something unreadable (`ecl_bad_response`) or too large "
        "(`ecl_response_too_large`), rejected the tenant's ECL credentials "
        "(`ecl_credentials_rejected`, `tenant_misconfigured`), refused the request twice "
        "(`ecl_token_rejected`, with ECL's words), or a change was sent, its answer lost, and "
        "reading back could not settle it (`outcome_unknown`; `found` holds what reading back "
        "found: `app`, the values now at ECL, or `apps`, the apps made since a create; null "
        "when it could not read)."
    ),
    503: gettext_lazy(
        "Nothing was changed: ECL is not reachable, answers 5xx to a read, or reading back "
        "showed that a change whose answer was lost was not made (`ecl_unavailable`), or it has "
        "been failing for this tenant and the portal sends it nothing for a while "
        "(`ecl_unavailable`, with `Retry-After`); ECL is busy, or so slow for this tenant that "
        "the portal already waits for as many of its calls as it allows (`ecl_busy`, with "
        "`Retry-After`); or the portal cannot take the app's write lock (`lock_unavailable`) or "
        "record the change in its audit log (`audit_unavailable`); or the portal's database is "
        "not answering (`database_unavailable`, with `Retry-After` and `nothing_changed`: false "
        "when a change was sent to ECL and its outcome is unknown, or part of it may have been "
        "saved)."
    ),
    504: gettext_lazy("ECL took too long to answer (`ecl_timeout`)."),
}

REAUTH_REQUIRED = "reauth_required"


class ReauthRequired(exceptions.PermissionDenied):
    default_detail = gettext_lazy("Confirm your password before using secret keys.")
    default_code = REAUTH_REQUIRED


def body(detail: str, code: str, **extra: Any) -> dict[str, Any]:
    return {"detail": detail, "code": code, **extra}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ecl.ECLError):
        return _ecl_response(exc)
    if database_outage.is_connection_error(exc):
        return _database_unavailable(exc, context["request"])
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    # DRF's handler sets WWW-Authenticate (401) and Retry-After (429) and rolls back.
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return _unexpected(exc, context["request"])  # DRF answers APIExceptions alone
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(exc.detail)
    else:
        response.data = body(_text(exc.detail), _code(exc))
    return response


def _unexpected(exc: Exception, request: Any) -> Response:
    """A 500 in the API's shape; logged (and signalled, for error trackers) as Django would."""
    logging.getLogger("django.request").error(
        "Internal Server Error: %s",
        request.path,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    got_request_exception.send(sender=None, request=request._request)
    set_rollback()
    detail = _(
        "The portal could not complete the request; the error is logged. Nothing you typed was "
        "saved. Try again, or tell a portal administrator if it happens again."
    )
    return Response(body(detail, "server_error"), status=500)


def _database_unavailable(exc: Exception, request: Any) -> Response:
    """503 `database_unavailable`: a read is run once more by the middleware
    (`database_outage`), which answers the same when that fails too."""
    database_outage.note_failure(request._request, exc)
    outcome = database_outage.current_effects().outcome(request.method)
    detail = database_outage.texts(outcome)[1]
    set_rollback()
    return Response(
        body(detail, database_outage.CODE, nothing_changed=outcome == database_outage.NOTHING),
        status=503,
        headers={"Retry-After": str(database_outage.RETRY_AFTER)},
    )


def _ecl_response(error: ecl.ECLError) -> Response:
    """The error's own status and code (the same as the pages'); its words in the request's
    language, or ECL's own text for ECL's 400, which a script written for ECL may look for."""
    if isinstance(error, ecl.InvalidRequest):
        fields = {error.field: [error.upstream_message]} if error.field else {}
        data = body(error.upstream_message, error.code, **({"fields": fields} if fields else {}))
    else:
        data = body(str(error.message), error.code)
    if isinstance(error, ecl.OutcomeUnknown):
        data["found"] = error.found
    if isinstance(error, ecl.JustRenewed):
        data.update(renewed_by=error.by, renewed_at=error.at.isoformat())
    headers = {}
    if error.transaction_id:
        headers["ECL-Transaction-ID"] = error.transaction_id
    if error.retry_after is not None:
        headers["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
    set_rollback()
    return Response(data, status=error.status, headers=headers or None)


def _code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    return exc.default_code


def _text(detail: Any) -> str:
    if isinstance(detail, list):
        return " ".join(_text(item) for item in detail)
    if isinstance(detail, dict):
        return " ".join(f"{key}: {_text(value)}" for key, value in detail.items())
    return str(detail)


def _messages(detail: Any, prefix: str = "") -> list[str]:
    """Flat messages of one field's errors (a list item's errors name the item)."""
    if isinstance(detail, dict):
        found = []
        for key, value in detail.items():
            label = (
                _("item %(number)d: ") % {"number": int(key) + 1}
                if str(key).isdigit()
                else f"{key}: "  # a field name: the API's, never translated
            )
            found.extend(_messages(value, prefix + label))
        return found
    if isinstance(detail, list):
        return [message for item in detail for message in _messages(item, prefix)]
    return [prefix + str(detail)]


def _validation_body(detail: Any) -> dict[str, Any]:
    if not isinstance(detail, dict):
        messages = _messages(detail)
        return body(" ".join(messages) or _("Invalid input."), "invalid")
    general = _messages(detail.get("non_field_errors", []))
    fields = {
        name: _messages(value) for name, value in detail.items() if name != "non_field_errors"
    }
    parts = general + [f"{name}: {' '.join(messages)}" for name, messages in fields.items()]
    sentence = (
        _("Invalid input.")
        + " "
        + " ".join(part if part.endswith((".", "!", "?", "。")) else part + "." for part in parts)
    )
    extra = {"fields": fields} if fields else {}
    return body(sentence.strip(), "invalid", **extra)
