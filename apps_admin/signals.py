"""Audit events for what happens outside the portal's own views: failed logins."""

from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from apps_admin import audit


@receiver(user_login_failed)
def record_failed_login(sender, credentials: dict, request=None, **kwargs) -> None:
    # Django has already replaced the password in `credentials`; only the username is kept.
    username = str(credentials.get("username", ""))
    audit.record(request, "login.failed", outcome="denied", username=username, user=_nobody)


class _Nobody:
    is_authenticated = False


_nobody = _Nobody()
