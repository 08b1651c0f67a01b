"""The identity provider's discovery document, read once an hour and shared by the workers."""

from __future__ import annotations

from typing import Any

import requests
from django.conf import settings
from django.core.cache import cache
from mozilla_django_oidc.utils import import_from_settings

DISCOVERY_KEPT = 3600
# mozilla-django-oidc's endpoint settings, and the discovery document's names for them.
ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be read."""


def discovery() -> dict[str, Any]:
    key = f"oidc-discovery:{settings.OIDC_ISSUER}"
    found = cache.get(key)
    if found is None:
        url = settings.OIDC_ISSUER + "/.well-known/openid-configuration"
        try:
            answer = requests.get(url, timeout=settings.OIDC_TIMEOUT)
            answer.raise_for_status()
            found = answer.json()
        except (requests.RequestException, ValueError) as error:
            raise ProviderUnavailable(str(error)) from None
        if not isinstance(found, dict) or found.get("issuer", "").rstrip("/") != (
            settings.OIDC_ISSUER
        ):
            raise ProviderUnavailable("the discovery document names another issuer")
        cache.set(key, found, DISCOVERY_KEPT)
    return found


def setting(attr: str, *default: Any) -> Any:
    """mozilla-django-oidc's settings, the endpoints from the discovery document."""
    if attr in ENDPOINTS:
        return discovery()[ENDPOINTS[attr]]
    return import_from_settings(attr, *default)
