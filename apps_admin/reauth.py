"""Re-authentication before secrets: the password entered within the last REAUTH_WINDOW seconds."""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

SESSION_KEY = "reauthenticated_at"


def is_recent(request: HttpRequest) -> bool:
    confirmed_at = request.session.get(SESSION_KEY)
    if not isinstance(confirmed_at, int | float):
        return False
    return 0 <= time.time() - confirmed_at < settings.REAUTH_WINDOW


def mark(request: HttpRequest) -> None:
    request.session[SESSION_KEY] = time.time()


def reauth_url(next_path: str) -> str:
    return reverse("apps_admin:reauth") + "?" + urlencode({"next": next_path})
