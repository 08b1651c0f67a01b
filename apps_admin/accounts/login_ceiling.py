"""A ceiling on failed sign-ins per username across every address, on top of django-axes' lock
per username and address: an attacker who rotates addresses still stops at the ceiling.

Failures are counted in the database (UsernameFailures) for LOGIN_FAILURE_WINDOW seconds from
the first one, so a restart or an outage of the cache lifts no lock. Past
LOGIN_FAILURES_PER_USERNAME, every sign-in of that username is refused (the right password too)
with django-axes' locked-out page, until the window ends.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from apps_admin.models import UsernameFailures


def _digest(username: str) -> str:
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()


def _window_start() -> datetime:
    return timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)


def count_failure(username: str) -> None:
    digest, since = _digest(username), _window_start()
    rows = UsernameFailures.objects
    # One UPDATE counts it when a window is open: no read-then-write race between two failures.
    if rows.filter(digest=digest, window_started__gt=since).update(count=F("count") + 1):
        return
    rows.filter(window_started__lte=since).delete()  # this one's ended window, and any other's
    try:
        with transaction.atomic():
            rows.create(digest=digest, window_started=timezone.now(), count=1)
    except IntegrityError:  # another failure opened the window meanwhile
        rows.filter(digest=digest).update(count=F("count") + 1)


def failures(username: str) -> int:
    found = (
        UsernameFailures.objects.filter(
            digest=_digest(username), window_started__gt=_window_start()
        )
        .values_list("count", flat=True)
        .first()
    )
    return found or 0


class UsernameCeilingBackend:
    """An authentication backend placed first: it authenticates nobody, and refuses a username
    past its ceiling before any other backend looks at the password."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, **kwargs):
        if username and failures(username) >= settings.LOGIN_FAILURES_PER_USERNAME:
            if request is not None:
                # django-axes' middleware answers its lockout when it finds this attribute.
                request.axes_locked_out = True  # type: ignore[attr-defined]  # axes' own flag
            raise PermissionDenied
        return None

    # No get_user(): it signs nobody in, so no session may name it as its backend (Django's
    # force_login and login() pick the first backend that has one).
