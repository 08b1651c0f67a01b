"""A database connection lost during a request is not a 500: a read is run once more on a fresh
connection, and what cannot be retried answers 503 saying truthfully what became of it.

Where the error surfaces: Django turns an exception anywhere in the middleware chain or the view
into a response and sends `got_request_exception` first (marked here); the API's exception
handler catches the view's own (and marks it too). The middleware, outside every middleware that
touches the database (sessions, authentication), then sees the mark:

- A GET or HEAD whose connection is unusable runs once more on a new connection, unless this
  request already wrote an audit event (it would be written twice) or sent a write to ECL (a
  read never does).
- Otherwise it answers 503 with `Retry-After`: the portal's page or the API's JSON
  (`database_unavailable`), in the request's language. "Nothing was changed" only where that is
  true: a read, or a request that sent no write to ECL and saved nothing (a session excepted);
  after a write was sent to ECL the outcome is unknown, and the person is told to check the app.

What a request did is counted as it happens: writes sent to ECL by the transport
(`ecl.counting_writes`), and database writes by an execute wrapper that counts a statement only
once its transaction commits.
"""

from __future__ import annotations

import contextvars
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.signals import got_request_exception
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connection, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from apps_admin import ecl

logger = logging.getLogger(__name__)

CONNECTION_ERRORS = (OperationalError, InterfaceError)
CODE = "database_unavailable"
RETRY_AFTER = 5  # seconds: a dropped connection is replaced at once; a restart takes longer
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_MARK = "_database_failure"

# What a request that met the failure had done, for what it is told.
NOTHING = "nothing_changed"
PARTLY = "partly_saved"
UNKNOWN = "outcome_unknown"


@dataclass
class Effects:
    """What this request has done that must not be done twice or denied."""

    ecl_writes: ecl.WritesSent = field(default_factory=ecl.WritesSent)
    audit_saved: bool = False
    data_saved: bool = False  # any other table, the sessions' excepted

    def outcome(self, method: str) -> str:
        if self.ecl_writes.count:
            return UNKNOWN
        if method not in SAFE_METHODS and self.data_saved:
            return PARTLY
        return NOTHING


@dataclass(frozen=True)
class Failure:
    error: str  # the exception's class name: its text may hold a host or a user name
    connection_lost: bool


_current: contextvars.ContextVar[Effects | None] = contextvars.ContextVar(
    "database_outage_effects", default=None
)


def is_connection_error(error: BaseException | None) -> bool:
    return isinstance(error, CONNECTION_ERRORS)


def note_failure(request: HttpRequest, error: BaseException) -> None:
    """Mark the request as failed by the database (the first failure counts)."""
    if getattr(request, _MARK, None) is None:
        setattr(request, _MARK, Failure(type(error).__name__, _connection_lost(error)))


def failure_of(request: HttpRequest) -> Failure | None:
    return getattr(request, _MARK, None)


def _connection_lost(error: BaseException) -> bool:
    """Whether the connection is gone (so a new one may help), rather than the database
    refusing this one statement (a lock timeout) on a connection that still works."""
    if isinstance(error, InterfaceError) or connection.connection is None:
        return True
    try:
        return not connection.is_usable()
    except Exception:  # a backend's own error from the check: no better sign of a lost one
        return True


def _on_exception(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    error = sys.exc_info()[1]
    if request is not None and is_connection_error(error):
        note_failure(request, error)  # type: ignore[arg-type]  # checked just above


got_request_exception.connect(_on_exception, dispatch_uid="apps_admin.database_outage")


# --- Counting what a request did --------------------------------------------------------------

_WRITES = ("insert", "update", "delete")


def _watch(execute: Callable, sql: Any, params: Any, many: bool, context: dict) -> Any:
    result = execute(sql, params, many, context)
    effects = _current.get()
    text = sql if isinstance(sql, str) else str(sql)  # a driver's composed statement, too
    if effects is not None and text.lstrip()[:6].lower() in _WRITES:
        table = text[:80]
        if "django_session" not in table:
            audit = "apps_admin_auditevent" in table
            # Counted once committed: a transaction rolled back with its connection saved nothing.
            context["connection"].on_commit(lambda: _saved(effects, audit))
    return result


def _saved(effects: Effects, audit: bool) -> None:
    if audit:
        effects.audit_saved = True
    else:
        effects.data_saved = True


class counting_effects:  # a context manager, named as one is used
    """`with counting_effects() as effects:` counts what the block does. A class, not
    contextlib's generator: it runs on every request."""

    def __enter__(self) -> Effects:
        self._writes = ecl.counting_writes()
        effects = Effects(ecl_writes=self._writes.__enter__())
        self._token = _current.set(effects)
        # What Django's `execute_wrapper` does, without its contextlib and connection proxy.
        self._wrappers = connections[DEFAULT_DB_ALIAS].execute_wrappers
        self._wrappers.append(_watch)
        return effects

    def __exit__(self, *exc_info: object) -> None:
        self._wrappers.pop()
        _current.reset(self._token)
        self._writes.__exit__(None, None, None)


def current_effects() -> Effects:
    """This request's effects (none counted outside the middleware: nothing known sent)."""
    return _current.get() or Effects()


# --- The middleware ---------------------------------------------------------------------------


class DatabaseOutageMiddleware:
    """Placed before the sessions' middleware: every database use of a request happens inside."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with counting_effects() as effects:
            response = self.get_response(request)
            failure = failure_of(request)
            if failure is None:
                return response
            if _may_retry(request, failure, effects):
                logger.warning(
                    "database: %s during %s %s, trying once more on a new connection request_id=%s",
                    failure.error,
                    request.method,
                    request.path,
                    getattr(request, "request_id", "-"),
                )
                _fresh_connection()
                delattr(request, _MARK)
                response = self.get_response(request)
                failure = failure_of(request)
                if failure is None:
                    return response
            outcome = effects.outcome(request.method or "")
            logger.error(
                "database: %s during %s %s, answered 503 (%s, ecl_writes=%d) request_id=%s",
                failure.error,
                request.method,
                request.path,
                outcome,
                effects.ecl_writes.count,
                getattr(request, "request_id", "-"),
            )
            if failure.connection_lost:
                _fresh_connection()  # the next request of this thread starts on a new one
            return unavailable_response(request, outcome)


def _may_retry(request: HttpRequest, failure: Failure, effects: Effects) -> bool:
    return (
        request.method in SAFE_METHODS
        and failure.connection_lost
        and not effects.ecl_writes.count
        and not effects.audit_saved
    )


def _fresh_connection() -> None:
    try:
        connection.close()
    except Exception:  # closing a broken connection may fail too; the next use opens a new one
        logger.debug("database: closing the lost connection failed", exc_info=True)


# --- The answer -------------------------------------------------------------------------------


def texts(outcome: str) -> tuple[str, str]:
    """The title and the message for what became of the request, in the active language."""
    title = _("The portal's database is not answering")
    if outcome == UNKNOWN:
        message = _(
            "The portal's database stopped answering after your change was sent to ECL, so the "
            "portal cannot tell whether it was made. Check the app in the portal before trying "
            "again."
        )
    elif outcome == PARTLY:
        message = _(
            "The portal's database stopped answering partway through, so part of what you sent "
            "may have been saved. Check before trying again."
        )
    else:
        message = _(
            "The portal's database is not answering; nothing was changed. Try again in a minute."
        )
    return title, message


def unavailable_response(request: HttpRequest, outcome: str | None = None) -> HttpResponse:
    """The 503 page, or the API's JSON 503, in the request's language; rendered without the
    database (the header shows the person only when already read)."""
    if outcome is None:
        outcome = current_effects().outcome(request.method or "")
    language = translation.get_language_from_request(request)
    with translation.override(language):
        title, message = texts(outcome)
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(
                {"detail": message, "code": CODE, "nothing_changed": outcome == NOTHING},
                status=503,
                json_dumps_params={"ensure_ascii": False},
            )
        else:
            response = _page(request, title, message)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "private, no-store"
    response["Content-Language"] = language
    patch_vary_headers(response, ("Accept-Language",))
    response._has_been_logged = True  # type: ignore[attr-defined]  # Django's: logged once, here
    return response


def _page(request: HttpRequest, title: str, message: str) -> HttpResponse:
    # The user as already read, else none: reading it now would ask the database again.
    request.user = getattr(request, "_cached_user", None) or AnonymousUser()
    context = {
        "title": title,
        "status": 503,
        "message": message,
        "portal_tenants": [],
        "messages": [],
    }
    try:
        return render(request, "apps_admin/error_page.html", context, status=503)
    except Exception:  # the page's templates need something that is down too
        logger.warning("database: the 503 page could not be rendered: %s", sys.exc_info()[0])
        return HttpResponse(
            f"{title}\n\n{message}\n", content_type="text/plain; charset=utf-8", status=503
        )
