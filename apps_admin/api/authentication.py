"""API tokens in `Authorization: Token <token>` or, as ECL scripts send them, `X-Auth-Token`.

A request made with a token has the token (an `ApiToken`) as `request.auth`; its scope is
enforced by `apps_admin.api.permissions.TokenScopePermission`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from apps_admin import identity_cache
from apps_admin.accounts import api_tokens
from apps_admin.accounts.oidc import suspension
from apps_admin.models import ApiToken

HEADER = "X-Auth-Token"
KEYWORD = "Token"


def _when(moment: datetime) -> str:
    # One format in every language, as in the audit log: it is matched against logs and clocks.
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _refused(text: str) -> exceptions.AuthenticationFailed:
    return exceptions.AuthenticationFailed(text)


def check_token(text: str) -> tuple[AbstractBaseUser, ApiToken]:
    """The user and live token of this token text, else AuthenticationFailed saying why."""
    if api_tokens.is_old_format(text):
        raise _refused(
            _("This API token is no longer accepted: create a new one on /account/tokens/.")
        )
    # Held per process (identity_cache.py); the request gets a copy it may change.
    held = identity_cache.held(identity_cache.token_key(text), lambda: api_tokens.find(text))
    if held is None:
        raise _refused(_("Unknown API token: check that it was copied whole."))
    token = identity_cache.instance_copy(held)
    if token.revoked_at is not None:
        raise _refused(
            _("This API token was revoked on %(when)s.") % {"when": _when(token.revoked_at)}
        )
    now = timezone.now()
    if token.expires_at <= now:
        raise _refused(
            _("This API token expired on %(when)s: create a new one on /account/tokens/.")
            % {"when": _when(token.expires_at)}
        )
    if not token.user.is_active:
        raise _refused(_("This API token's user is deactivated."))
    suspended_at = suspension.suspended_since(token.user)
    if suspended_at is not None:
        raise _refused(
            _(
                "This API token is suspended: the identity provider refused its owner on "
                "%(when)s. It works again once they sign in to the portal."
            )
            % {"when": _when(suspended_at)}
        )
    api_tokens.touch(token, now)
    held.last_used_at = token.last_used_at  # so the next request does not write it again
    return token.user, token


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <token>`."""

    def authenticate(self, request: Request) -> tuple[AbstractBaseUser, ApiToken] | None:
        text = self.token_text(request)
        return None if text is None else check_token(text)

    def token_text(self, request: Request) -> str | None:
        words = get_authorization_header(request).split()
        if not words or words[0].lower() != KEYWORD.lower().encode():
            return None  # another scheme, for another authentication class
        if len(words) != 2:
            raise _refused(_("Invalid Authorization header: send “Token” and one token."))
        try:
            return words[1].decode()
        except UnicodeError:
            raise _refused(_("Unknown API token: check that it was copied whole.")) from None

    def authenticate_header(self, request: Request) -> str:
        # The WWW-Authenticate challenge of a 401 (and the reason a 401 is not a 403).
        return KEYWORD


class XAuthTokenAuthentication(ApiTokenAuthentication):
    """The same tokens in ECL's `X-Auth-Token` header, so that a script written for ECL needs
    only a new base URL and token."""

    def token_text(self, request: Request) -> str | None:
        text = request.META.get("HTTP_X_AUTH_TOKEN")
        if text is None:
            return None
        text = text.strip()
        if not text or any(char.isspace() for char in text):
            raise _refused(_("Invalid %(header)s header: send one token.") % {"header": HEADER})
        return text
