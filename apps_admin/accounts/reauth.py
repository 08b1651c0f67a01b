"""Re-authentication before secrets: the password entered within the last REAUTH_WINDOW seconds."""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

SESSION_KEY = "reauthenticated_at"


def is_recent(request: HttpRequest) -> bool:
    confirmed_at = request.session.get(SESSION_KEY)
    if not isinstance(confirmed_at, int | float):
        return False
    return 0 <= time.time() - confirmed_at < settings.REAUTH_WINDOW


def mark(request: HttpRequest) -> None:
    request.session[SESSION_KEY] = time.time()


def safe_next(request: HttpRequest) -> str:
    """Where to go back after the confirmation: the request's `next` if it stays on this site,
    else home."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url("apps_admin:home")


def reauth_url(next_path: str) -> str:
    return reverse("apps_admin:reauth") + "?" + urlencode({"next": next_path})
