"""Leaving the company ends access: a session signed in through the provider is checked with it
again (`prompt=none`) once SESSION_IDLE_TIMEOUT has passed since the last check. A person whose
provider session is gone is signed out; one the provider refuses is deactivated (views.py)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import auth, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.deprecation import MiddlewareMixin
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from mozilla_django_oidc.middleware import SessionRefresh

from apps_admin.accounts.oidc import provider

logger = logging.getLogger(__name__)


class ProviderSessionRefresh(SessionRefresh):
    """mozilla-django-oidc's SessionRefresh, reading the provider's endpoints only when a check
    is due, and doing nothing while OIDC is not configured."""

    get_settings = staticmethod(provider.setting)

    def __init__(self, get_response: Any) -> None:
        MiddlewareMixin.__init__(self, get_response)
        self.OIDC_EXEMPT_URLS = []
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
        try:
            return super().process_request(request)
        except provider.ProviderUnavailable as error:
            # The check is due and cannot be made: the session ends rather than outlive it.
            logger.warning("identity provider unavailable for a session check: %s", error)
            auth.logout(request)
            messages.error(request, _("The identity provider is not answering; try again."))
            return HttpResponseRedirect(resolve_url("apps_admin:login"))
