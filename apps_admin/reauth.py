"""Re-authentication before secrets: the password entered within the last REAUTH_WINDOW seconds."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
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


def reauth_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Send the user to confirm their password first, then back to this URL (with GET, so a
    page reached this way must show its form again rather than act)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_recent(request):
            return HttpResponseRedirect(reauth_url(request.path))
        return view(request, *args, **kwargs)

    return wrapper
