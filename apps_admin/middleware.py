"""Request middleware: request id and one log line per request; no caching of what a signed-in
person sees; sliding session expiry."""

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

logger = logging.getLogger("portal.request")

# A proxy's id is reused only when it is short and plain, so it cannot forge log lines.
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]  # ours, for audit.py
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = (time.perf_counter() - started) * 1000
        response["X-Request-ID"] = request_id
        # The path only: a query string may carry what a user typed.
        logger.info(
            "%s %s %s %.1fms request_id=%s",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            request_id,
        )
        return response


class NoStoreForSignedInMiddleware:
    """No answer to a signed-in person (page or API, by session or token) is kept by a browser
    or a proxy: it may hold API keys, audit events or a secret. Static files are served before
    this (WhiteNoise) and stay cacheable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # DRF's token authentication sets the user on this request too.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


class SessionIdleMiddleware:
    """Keeps a session alive while it is used, with one session write a minute at most.

    The session's expiry (SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT) restarts when the session is
    saved; Django's SESSION_SAVE_EVERY_REQUEST would write it on every request. So a session ends
    between SESSION_IDLE_TIMEOUT - 60 s and SESSION_IDLE_TIMEOUT after the last request.
    """

    RENEW_AFTER = 60  # seconds
    KEY = "_idle_renewed_at"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response
        renewed_at = session.get(self.KEY)
        now = time.time()
        # A session saved for another reason is renewed by that save: note it as the renewal.
        due = not isinstance(renewed_at, int | float) or now - renewed_at >= self.RENEW_AFTER
        if session.modified or due:
            session[self.KEY] = now  # marks the session modified: SessionMiddleware saves it
        return response
