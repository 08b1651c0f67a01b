"""What an API token's scope lets it do; a browser session is not limited by scopes.

`read` tokens use safe methods only, `write` tokens also change apps, and only `secrets` tokens
reach an endpoint marked `secret_keys = True`. The person's role in the tenant applies on top.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission

from apps_admin.models import ApiToken, TokenScope

if TYPE_CHECKING:  # rest_framework.views imports this module through the settings
    from rest_framework.request import Request
    from rest_framework.views import APIView

CODE = "token_scope"


class TokenScopeRefused(exceptions.PermissionDenied):
    default_code = CODE


def scope_refusal(scope: str, method: str, *, secret_keys: bool) -> str | None:
    """Why a token of `scope` may not make this call, or None when it may."""
    if secret_keys and scope != TokenScope.SECRETS:
        return _(
            "This API token cannot reach secret keys: create one with the “secret keys” scope "
            "on /account/tokens/."
        )
    if method not in SAFE_METHODS and scope == TokenScope.READ:
        return _("This API token is read-only: create a read-write one on /account/tokens/.")
    return None


class TokenScopePermission(BasePermission):
    """Refuses (403 `token_scope`) a call the request's API token is not scoped for."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        secret_keys = getattr(view, "secret_keys", False)
        refusal = scope_refusal(token.scope, request.method or "", secret_keys=secret_keys)
        if refusal is not None:
            raise TokenScopeRefused(refusal)
        return True
