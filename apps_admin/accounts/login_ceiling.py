"""A ceiling on failed sign-ins per username across every address, on top of django-axes' lock
per username and address: an attacker who rotates addresses still stops at the ceiling.

Failures are counted in the shared cache for LOGIN_FAILURE_WINDOW seconds from the first one.
Past LOGIN_FAILURES_PER_USERNAME, every sign-in of that username is refused (the right password
too) with django-axes' locked-out page, until the window ends.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def _key(username: str) -> str:
    return "login:failures:" + hashlib.sha256(username.strip().lower().encode()).hexdigest()


def count_failure(username: str) -> None:
    key = _key(username)
    cache.add(key, 0, timeout=settings.LOGIN_FAILURE_WINDOW)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW)


def failures(username: str) -> int:
    return cache.get(_key(username), 0)


class UsernameCeilingBackend:
    """An authentication backend placed first: it authenticates nobody, and refuses a username
    past its ceiling before any other backend looks at the password."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, **kwargs):
        if username and failures(username) >= settings.LOGIN_FAILURES_PER_USERNAME:
            if request is not None:
                request.axes_locked_out = True  # django-axes' middleware answers its lockout
            raise PermissionDenied
        return None

    # No get_user(): it signs nobody in, so no session may name it as its backend (Django's
    # force_login and login() pick the first backend that has one).
