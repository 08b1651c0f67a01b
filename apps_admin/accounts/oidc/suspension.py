"""API tokens suspended while the identity provider refuses their owner: set when the silent
session check (`prompt=none`) is refused, lifted by the owner's next successful sign-in there.

The account stays active and its tokens stay as they are (not revoked): deactivating is an
administrator's decision, and a provider that refused by mistake costs nobody their scripts
for longer than it refuses.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from apps_admin import audit
from apps_admin.models import ApiToken, ProviderIdentity


def suspended_since(user: Any):
    """When the user's API tokens were suspended, or None."""
    try:
        identity = user.provider_identity
    except ProviderIdentity.DoesNotExist:
        return None
    return identity.suspended_at


def suspend(request: HttpRequest | None, user: Any) -> None:
    now = timezone.now()
    if ProviderIdentity.objects.filter(user=user, suspended_at__isnull=True).update(
        suspended_at=now
    ):
        _record(request, user, "token.suspend", "refused by the identity provider")


def lift(request: HttpRequest | None, identity: ProviderIdentity) -> None:
    """At a successful sign-in: the tokens work again."""
    if identity.suspended_at is None:
        return
    identity.suspended_at = None
    ProviderIdentity.objects.filter(pk=identity.pk).update(suspended_at=None)
    _record(request, identity.user, "token.resume", "signed in at the identity provider")


def _record(request: HttpRequest | None, user: Any, action: str, reason: str) -> None:
    live = ApiToken.objects.live().filter(user=user).count()
    audit.record(
        request,
        action,
        changes={"tokens": {"from": None, "to": live}, "reason": {"from": None, "to": reason}},
        user=user,
    )
