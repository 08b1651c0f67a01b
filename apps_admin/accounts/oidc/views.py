"""Starting and finishing a sign-in at the provider, the fresh sign-in before a secret, and
signing out there too."""

from __future__ import annotations

import logging
import time
from typing import Any

import requests
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.views import LoginView, LogoutView
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from apps_admin.accounts import reauth
from apps_admin.accounts.oidc import provider, suspension
from apps_admin.accounts.oidc.provider_users import enabled, is_provider_user
from apps_admin.accounts.oidc.session_refresh import is_silent

logger = logging.getLogger(__name__)

FRESH_KEY = "oidc_fresh"  # the session's pending fresh sign-in: {"user": pk, "next": path}
SIGNED_IN_KEY = "oidc_signed_in"  # the session was signed in through the provider


class PortalLoginView(LoginView):
    template_name = "apps_admin/login.html"
    extra_context = {"title": gettext_lazy("Log in")}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            oidc_enabled=enabled(),
            oidc_provider=settings.OIDC_PROVIDER_NAME,
            local_login=settings.LOCAL_LOGIN,
            **kwargs,
        )


class StartView(OIDCAuthenticationRequestView):
    """GET /oidc/start/?next=...: to the provider's sign-in; with `fresh=1` (a signed-in user
    before a secret) the provider is asked for a new sign-in whatever its session."""

    get_settings = staticmethod(provider.setting)

    def __init__(self, **kwargs: Any) -> None:
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider.setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except provider.ProviderUnavailable as error:
            logger.warning("identity provider unavailable: %s", error)
            return _refused(request, _("The identity provider is not answering; try again."))
        request.session.pop(FRESH_KEY, None)
        if request.GET.get("fresh") == "1" and request.user.is_authenticated:
            request.session[FRESH_KEY] = {
                "user": request.user.pk,
                "next": reauth.safe_next(request),
            }
        return super().get(request)

    def get_extra_params(self, request: HttpRequest) -> dict[str, str]:
        if FRESH_KEY in request.session:
            return {"prompt": "login", "max_age": "0"}
        return {}


class CallbackView(OIDCAuthenticationCallbackView):
    """GET /oidc/callback/: the provider's answer. A refusal, a forged or replayed `state`, a
    token that fails a check or a provider that does not answer is a clear page, never a 500."""

    get_settings = staticmethod(provider.setting)

    fresh: dict | None = None

    def get(self, request: HttpRequest) -> HttpResponse:
        self.fresh = fresh = request.session.pop(FRESH_KEY, None)
        signed_in_user = request.user if request.user.is_authenticated else None
        error = request.GET.get("error")
        if error:
            return self._provider_error(request, error, signed_in_user)
        try:
            response = super().get(request)
        except SuspiciousOperation as problem:
            logger.warning("sign-in refused: %s", problem)
            return _refused(request, _("The sign-in could not be verified; please try again."))
        except (requests.RequestException, provider.ProviderUnavailable) as problem:
            logger.warning("identity provider unavailable: %s", type(problem).__name__)
            return _refused(request, _("The identity provider is not answering; try again."))
        user = getattr(self, "user", None)
        if user is None or not user.is_active:
            return _refused(request, _("The identity provider did not sign you in."))
        claims = getattr(request, "oidc_claims", {})
        if fresh is not None:
            return self._fresh(request, fresh, claims)
        return response

    def login_success(self) -> HttpResponse | None:
        if self.fresh is not None and self.user.pk != self.fresh.get("user"):
            return None  # never another account in this session: `_fresh` says why
        response = super().login_success()
        self.request.session[SIGNED_IN_KEY] = True
        return response

    def _fresh(self, request: HttpRequest, fresh: dict, claims: dict) -> HttpResponse:
        """A fresh sign-in counts only for the same person, recent, and with MFA if required."""
        next_url = fresh.get("next") or resolve_url("apps_admin:home")
        auth_time = claims.get("auth_time")
        recent = isinstance(auth_time, int | float) and (
            time.time() - auth_time <= settings.OIDC_FRESH_SIGN_IN
        )
        methods = claims.get("amr") or []
        mfa = any(method in settings.OIDC_MFA_VALUES for method in methods)
        if self.user.pk != fresh.get("user"):
            message = _("You signed in at the provider as someone else; confirm as yourself.")
        elif not recent:
            message = _("The identity provider did not ask you to sign in again; try again.")
        elif settings.OIDC_REQUIRE_MFA and not mfa:
            message = _("Secrets need a sign-in with a second factor at the identity provider.")
        else:
            reauth.mark(request)
            return HttpResponseRedirect(next_url)
        messages.error(request, message)
        return HttpResponseRedirect(next_url)

    def _provider_error(self, request: HttpRequest, error: str, user: Any) -> HttpResponse:
        """An error answer. Only the silent session check's says something about the account
        (and then the session ends, and a refusal suspends the person's API tokens); an
        interactive sign-in's may be the person's own Cancel: it says so, and changes nothing."""
        state = request.GET.get("state", "")
        known = state in request.session.get("oidc_states", {})
        if known:
            del request.session["oidc_states"][state]
            request.session.modified = True
        if known and is_silent(request, state) and user is not None:
            refused = error == "access_denied" and is_provider_user(user)
            if refused:
                suspension.suspend(request, user)
            auth.logout(request)
            if refused:
                return _refused(
                    request,
                    _(
                        "The identity provider refused your sign-in: you are signed out and "
                        "your API tokens are suspended until you sign in again."
                    ),
                )
            return _refused(request, _("The identity provider did not sign you in."))
        if known and self.fresh is not None and user is not None:
            messages.error(
                request,
                _(
                    "The sign-in at the identity provider was cancelled or refused: nothing was "
                    "confirmed, and nothing was changed."
                ),
            )
            return HttpResponseRedirect(self.fresh.get("next") or resolve_url("apps_admin:home"))
        if user is not None:
            messages.error(
                request,
                _(
                    "The sign-in at the identity provider was cancelled or refused: "
                    "nothing changed."
                ),
            )
            return HttpResponseRedirect(resolve_url("apps_admin:home"))
        return _refused(
            request,
            _(
                "The sign-in at the identity provider was cancelled or refused; "
                "you are not signed in."
            ),
        )


class PortalLogoutView(LogoutView):
    """Signs out of the portal and, for a session that signed in at the provider, there too
    (RP-initiated logout, by client_id: the ID token never goes into a URL)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        at_provider = enabled() and request.session.get(SIGNED_IN_KEY)
        response = super().post(request, *args, **kwargs)
        if not at_provider:
            return response
        try:
            end_session = provider.discovery().get("end_session_endpoint")
        except provider.ProviderUnavailable:
            end_session = None
        if not end_session:
            return response
        query = urlencode(
            {
                "client_id": settings.OIDC_RP_CLIENT_ID,
                "post_logout_redirect_uri": request.build_absolute_uri(
                    resolve_url("apps_admin:login")
                ),
            }
        )
        return HttpResponseRedirect(f"{end_session}?{query}")


def _refused(request: HttpRequest, message: str) -> HttpResponse:
    messages.error(request, message)
    return HttpResponseRedirect(resolve_url("apps_admin:login"))


start = never_cache(StartView.as_view())
callback = never_cache(CallbackView.as_view())
