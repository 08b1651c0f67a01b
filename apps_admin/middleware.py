"""Request middleware: request id and one log line per request; no caching of what a signed-in
person sees; sliding session expiry; and the framework's middleware doing only the work that
applies to the portal (measured per request by `make bench`: docs/performance.md)."""

import logging
import re
import time
import uuid
from collections.abc import Callable

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.functional import SimpleLazyObject, empty

logger = logging.getLogger("portal.request")

# A proxy's id is reused only when it is short and plain, so it cannot forge log lines.
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
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
            if "Cache-Control" in response:
                patch_cache_control(response, private=True, no_store=True)
            else:
                response["Cache-Control"] = "private, no-store"
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


class PolicyOnceCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with the policy built once: the portal's policy is the same for
    every response (no nonce, no view that changes it), and the library builds it twice per
    response (enforced and report-only) from the settings. A response or request that does
    change it (a nonce asked for, `csp_update` and the like) goes through the library as usual."""

    _PER_RESPONSE = (
        "_csp_config",
        "_csp_update",
        "_csp_replace",
        "_csp_config_ro",
        "_csp_update_ro",
        "_csp_replace_ro",
    )
    _built: dict[str, str] = {}

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        changed = getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in self._PER_RESPONSE
        )
        if changed or (settings.DEBUG and response.status_code in (404, 500)):
            return super().process_response(request, response)
        for header, setting, exempt in (
            (HEADER, "CONTENT_SECURITY_POLICY", "_csp_exempt"),
            (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", "_csp_exempt_ro"),
        ):
            policy = self._policy(header)
            if not policy or header in response or getattr(response, exempt, False):
                continue
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if not request.path_info.startswith(tuple(prefixes)):
                response[header] = policy
        # As the library does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(  # type: ignore[attr-defined]  # the library's name
            self._csp_nonce_post_response
        )
        return response

    @classmethod
    def _policy(cls, header: str) -> str:
        policy = cls._built.get(header)
        if policy is None:
            policy = cls._built[header] = build_policy(report_only=header == HEADER_REPORT_ONLY)
        return policy


def _policies_changed(setting: str, **kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        PolicyOnceCSPMiddleware._built.clear()


setting_changed.connect(_policies_changed)


class LazyMessageMiddleware(MessageMiddleware):
    """Django's messages, with their storage (two signed stores) made only when a request adds
    or shows a message: API answers and redirects without a message never make it."""

    def process_request(self, request: HttpRequest) -> None:
        request._messages = SimpleLazyObject(  # type: ignore[attr-defined]  # Django's own name
            lambda: default_storage(request)
        )

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response
        return super().process_response(request, response)


class LanguageMiddleware:
    """The request's language, as Django's LocaleMiddleware chooses it for URLs without a
    language prefix (the portal has none): the language cookie, else Accept-Language, else
    LANGUAGE_CODE. Django's also looks for a language in every path and, on a 404, for the
    same path with one; neither applies here."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        translation.activate(translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
