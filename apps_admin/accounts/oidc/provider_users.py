"""Who signs in through the identity provider, and the way to a fresh sign-in there: what the
sign-in views and the pages that guard secrets both need."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode


def enabled() -> bool:
    return settings.OIDC_ENABLED


def is_provider_user(user: Any) -> bool:
    """The user signs in through the provider (no password of the portal's)."""
    return enabled() and user.is_authenticated and hasattr(user, "provider_identity")


def fresh_sign_in_url(next_path: str) -> str:
    return reverse("apps_admin:oidc_start") + "?" + urlencode({"next": next_path, "fresh": "1"})
