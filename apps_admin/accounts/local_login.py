"""Passwords of the portal's own accounts: with LOCAL_LOGIN off, only superusers (the break-glass
account) may use one, on the portal's sign-in page, the admin's and before a secret alike."""

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from apps_admin.identity_cache import HeldUsers


class LocalPasswordBackend(HeldUsers, ModelBackend):
    """Django's, with the session's user held per process (identity_cache.py)."""

    def user_can_authenticate(self, user: Any) -> bool:
        if not settings.LOCAL_LOGIN and not user.is_superuser:
            return False
        return super().user_can_authenticate(user)
