"""Writing the audit log: one event per action and outcome, never a secret value."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.http import HttpRequest

from apps_admin.client_ip import client_ip
from apps_admin.models import AuditEvent

logger = logging.getLogger(__name__)

ACTIONS = (
    "app.create",
    "app.update",
    "app.suspend",
    "app.activate",
    "app.delete",
    "secretkey.reveal",
    "secretkey.renew",
    "tenant.change",
    "membership.change",
    "grouprole.change",
    "login.failed",
    "access.denied",
    "token.create",
    "token.revoke",
    "token.suspend",
    "token.resume",
    "user.create",
    "user.deactivate",
    "mfa.enrol",
    "mfa.remove",
    "mfa.recovery_codes",
    "mfa.reset",
)
CHANGED = "(changed)"


def outcome_of(error: BaseException | None) -> str:
    """`ok` for success, otherwise the error's class name (`UpstreamUnavailable`, ...)."""
    return "ok" if error is None else type(error).__name__


def changes_between(
    before: Mapping[str, Any], after: Mapping[str, Any], *, secret: Iterable[str] = ()
) -> dict[str, dict[str, Any]]:
    """{field: {"from": old, "to": new}} for the fields that differ; secrets only as changed."""
    secret = set(secret)
    changes = {}
    for field in sorted(set(before) | set(after)):
        old, new = before.get(field), after.get(field)
        if old == new:
            continue
        if field in secret:
            changes[field] = {"from": CHANGED, "to": CHANGED}
        else:
            changes[field] = {"from": old, "to": new}
    return changes


def _address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    try:
        return str(ipaddress.ip_address(client_ip(request)))
    except ValueError:
        return None


def record(
    request: HttpRequest | None,
    action: str,
    *,
    outcome: str = "ok",
    tenant_id: str = "",
    app_id: str = "",
    changes: Mapping[str, Any] | None = None,
    transaction_id: str = "",
    user: Any = None,
    username: str = "",
) -> AuditEvent:
    """Append one event. `user` defaults to the request's user; `username` names an actor that
    has no account (a failed login)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if user is None and request is not None:
        user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    headers = request.headers if request is not None else {}
    return AuditEvent.objects.create(
        actor_id=user.pk if authenticated else None,
        actor_username=_plain(user.get_username() if authenticated else username, 150),
        tenant_id=_plain(tenant_id, 32),
        app_id=_plain(app_id, 64),
        action=action,
        outcome=_plain(outcome, 64),
        changes=dict(changes or {}),
        client_ip=_address(request),
        user_agent=_plain(headers.get("User-Agent", ""), 300),
        request_id=_plain(getattr(request, "request_id", ""), 64),
        transaction_id=_plain(transaction_id, 128),
    )


def _plain(value: object, limit: int) -> str:
    """Text fit for a column: control characters (NUL breaks PostgreSQL) dropped, then cut."""
    return "".join(c for c in str(value) if c.isprintable())[:limit]
