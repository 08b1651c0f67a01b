"""Leaving the company ends access: a session signed in through the provider is checked with it
again (`prompt=none`) once SESSION_IDLE_TIMEOUT has passed since the last check. A person whose
provider session is gone is signed out; one the provider refuses is signed out and their API
tokens are suspended (views.py).

The check covers every method: past the timeout, a POST, PUT, PATCH or DELETE is not carried
out. A page is answered with one that explains, whose button goes through the check and comes
back to the form, kept (`pending_post`); the API answers 403 with code `session_check`.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.contrib import auth, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.deprecation import MiddlewareMixin
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from mozilla_django_oidc.middleware import SessionRefresh

from apps_admin.accounts import pending_post
from apps_admin.accounts.oidc import provider

logger = logging.getLogger(__name__)

SILENT_KEY = "oidc_silent_states"  # the states of silent checks (prompt=none) under way
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
PROVIDER_BACKEND = "apps_admin.accounts.oidc.backend.ProviderBackend"


def is_silent(request: HttpRequest, state: str) -> bool:
    """Whether `state` is a silent check's (and forget it)."""
    states = request.session.get(SILENT_KEY, [])
    if state not in states:
        return False
    request.session[SILENT_KEY] = [s for s in states if s != state]
    return True


class ProviderSessionRefresh(SessionRefresh):
    """mozilla-django-oidc's SessionRefresh, reading the provider's endpoints only when a check
    is due, doing nothing while OIDC is not configured, and holding back writes while a check
    is due."""

    get_settings = staticmethod(provider.setting)

    def __init__(self, get_response: Any) -> None:
        MiddlewareMixin.__init__(self, get_response)
        self.OIDC_EXEMPT_URLS: list[str] = []
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_STATE_SIZE = 32
        self.OIDC_AUTHENTICATION_CALLBACK_URL = settings.OIDC_AUTHENTICATION_CALLBACK_URL
        self.OIDC_RP_SCOPES = settings.OIDC_RP_SCOPES
        self.OIDC_USE_NONCE = True
        self.OIDC_NONCE_SIZE = 32

    @property
    def OIDC_OP_AUTHORIZATION_ENDPOINT(self) -> str:  # the library reads this name
        return provider.setting("OIDC_OP_AUTHORIZATION_ENDPOINT")

    @cached_property
    def exempt_urls(self) -> set[str]:
        names = ("apps_admin:oidc_start", "apps_admin:oidc_callback", "apps_admin:logout")
        return {reverse(name) for name in names}

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        if not settings.OIDC_ENABLED:
            return None
        if self._write_while_due(request):
            return self._held_back(request)
        try:
            response = super().process_request(request)
        except provider.ProviderUnavailable as error:
            # The check is due and cannot be made: the session ends rather than outlive it.
            logger.warning("identity provider unavailable for a session check: %s", error)
            auth.logout(request)
            messages.error(request, _("The identity provider is not answering; try again."))
            return HttpResponseRedirect(resolve_url("apps_admin:login"))
        if response is not None:
            self._note_silent(request, response)
        return response

    def _write_while_due(self, request: HttpRequest) -> bool:
        """A change sent from a provider's session whose check is due (the library looks at
        GET alone)."""
        return (
            request.method not in SAFE_METHODS
            and request.user.is_authenticated
            and request.session.get(auth.BACKEND_SESSION_KEY) == PROVIDER_BACKEND
            and request.path not in self.exempt_urls
            and request.session.get("oidc_id_token_expiration", 0) <= time.time()
        )

    def _held_back(self, request: HttpRequest) -> HttpResponse:
        message = _(
            "Your sign-in must be checked with the identity provider again before this change: "
            "nothing was changed."
        )
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "code": "session_check"}, status=403)
        pending_post.keep(request)
        logger.info("held back %s %s until a session check", request.method, request.path)
        return render(
            request,
            "apps_admin/session_check.html",
            {
                "title": _("Your sign-in needs checking"),
                "message": message,
                "provider": settings.OIDC_PROVIDER_NAME,
            },
            status=403,
        )

    @staticmethod
    def _note_silent(request: HttpRequest, response: HttpResponse) -> None:
        """Remember the state of the silent check just sent: only its refusal says anything
        about the account (a refusal of an interactive sign-in may be the person's Cancel)."""
        url = response.get("Location") or response.get("refresh_url") or ""
        state = parse_qs(urlsplit(url).query).get("state", [""])[0]
        if state:
            request.session[SILENT_KEY] = [*request.session.get(SILENT_KEY, [])[-4:], state]
