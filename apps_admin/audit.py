"""Writing the audit log: one event per action and outcome, never a secret value.

A write to ECL is recorded in two steps, so that a database that blinks cannot make the log
lie: `begin` writes the event `pending` before the write is sent (if the database cannot take
it, the write is refused: nothing is sent, nothing changed), and `complete` writes its outcome
after. A completion that fails is tried once more on a fresh connection; if that fails too, the
whole event is logged at ERROR on one line (`audit event not recorded: {json}`) that
`manage.py audit_replay` writes back once the database is there again.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from django.db import DatabaseError, connection
from django.http import HttpRequest
from django.utils import timezone

from apps_admin.client_ip import client_ip
from apps_admin.models import AuditEvent

logger = logging.getLogger(__name__)
T = TypeVar("T")
NOT_RECORDED = "audit event not recorded: "

# The outcomes of a write besides `ok` and an error's class name (ECL refused it, or it was never
# sent): what became of a write whose answer was lost.
PENDING = AuditEvent.PENDING  # written before the write; stays so only if its completion failed
SETTLED_DONE = "settled_done"  # answer lost; reading back showed the change made
SETTLED_NOT_DONE = "settled_not_done"  # answer lost; reading back showed it not made
UNKNOWN = "unknown"  # answer lost, and reading back could not tell

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
    """`ok` for success, `unknown` for a write whose outcome is unknown, `settled_not_done`
    for one that reading back showed not made, otherwise the error's class name
    (`UpstreamUnavailable`, ...)."""
    if error is None:
        return "ok"
    name = type(error).__name__
    return {"OutcomeUnknown": UNKNOWN, "NotApplied": SETTLED_NOT_DONE}.get(name, name)


def changes_between(
    before: Mapping[str, Any], after: Mapping[str, Any], *, secret: Iterable[str] = ()
) -> dict[str, dict[str, Any]]:
    """{field: {"from": old, "to": new}} for the fields that differ; secrets only as changed."""
    secret = set(secret)
    changes: dict[str, dict[str, Any]] = {}
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
    return AuditEvent.objects.create(
        **_columns(
            request,
            action,
            outcome=outcome,
            tenant_id=tenant_id,
            app_id=app_id,
            changes=changes,
            transaction_id=transaction_id,
            user=user,
            username=username,
        )
    )


def _columns(
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
) -> dict[str, Any]:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if user is None and request is not None:
        user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    headers = request.headers if request is not None else {}
    return {
        "at": timezone.now(),
        "actor_id": user.pk if authenticated else None,
        "actor_username": _plain(user.get_username() if authenticated else username, 150),
        "tenant_id": _plain(tenant_id, 32),
        "app_id": _plain(app_id, 64),
        "action": action,
        "outcome": _plain(outcome, 64),
        "changes": dict(changes or {}),
        "client_ip": _address(request),
        "user_agent": _plain(headers.get("User-Agent", ""), 300),
        "request_id": _plain(getattr(request, "request_id", ""), 64),
        "transaction_id": _plain(transaction_id, 128),
    }


# --- A write's event, in two steps ------------------------------------------------------------


def begin(
    request: HttpRequest | None,
    action: str,
    *,
    tenant_id: str,
    app_id: str = "",
    changes: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """The write's event, `pending`, written before the write is sent. Raises
    AuditUnavailable (nothing may be sent then) when the database cannot take it."""
    from apps_admin.ecl import AuditUnavailable

    columns = _columns(
        request, action, outcome=PENDING, tenant_id=tenant_id, app_id=app_id, changes=changes
    )
    try:
        return _with_one_fresh_connection(lambda: AuditEvent.objects.create(**columns))
    except DatabaseError:
        logger.warning("audit: %s not sent, the database cannot record it", action, exc_info=True)
        raise AuditUnavailable() from None


def complete(
    event: AuditEvent,
    outcome: str,
    *,
    app_id: str | None = None,
    transaction_id: str = "",
    findings: Mapping[str, Any] | None = None,
) -> bool:
    """Write the outcome of a pending event; False when the database could not take it, after
    one more try on a fresh connection (the whole event is then logged at ERROR, to replay)."""
    event.outcome = _plain(outcome, 64)
    event.transaction_id = _plain(transaction_id, 128)
    event.completed_at = timezone.now()
    event.findings = dict(findings or {})
    if app_id is not None:
        event.app_id = _plain(app_id, 64)
    fields = {
        name: getattr(event, name)
        for name in ("outcome", "transaction_id", "completed_at", "findings", "app_id")
    }
    try:
        _with_one_fresh_connection(
            lambda: AuditEvent.objects.filter(pk=event.pk).complete_pending(**fields)
        )
    except DatabaseError:
        logger.warning("audit: the outcome of %s could not be written", event.action, exc_info=True)
        log_not_recorded(event)
        return False
    return True


def record_or_log(request: HttpRequest | None, action: str, **kwargs: Any) -> None:
    """`record`, for the outcome of a write that was never sent (its preparing read failed):
    a database that cannot take it does not turn that answer into a 500; the event is logged
    whole instead."""
    try:
        _with_one_fresh_connection(lambda: record(request, action, **kwargs))
    except DatabaseError:
        logger.warning("audit: %s could not be written", action, exc_info=True)
        log_not_recorded(AuditEvent(**_columns(request, action, **kwargs)))


def last_renewal(tenant_id: str, app_id: str, *, since: datetime) -> AuditEvent | None:
    """The latest renewal of the app's secret key since `since` that was, or may have been,
    made (pending or unknown included). Raises DatabaseError."""
    renewed = ("ok", SETTLED_DONE, UNKNOWN, PENDING)
    events = AuditEvent.objects.filter(
        tenant_id=tenant_id, app_id=app_id, action="secretkey.renew", at__gte=since
    )
    return events.filter(outcome__in=renewed).order_by("-at", "-id").first()


def last_create(
    tenant_id: str, actor_id: int | None, description: str, *, since: datetime
) -> AuditEvent | None:
    """This person's latest create of an app with `description` since `since`, or None (also
    when the database cannot tell: a create is then refused by `begin`)."""
    try:
        events = AuditEvent.objects.filter(
            tenant_id=tenant_id,
            actor_id=actor_id,
            action="app.create",
            at__gte=since,
            changes__description__to=description,
        )
        return events.order_by("-at", "-id").first()
    except DatabaseError:
        logger.warning("audit: the last create could not be read", exc_info=True)
        return None


def log_not_recorded(event: AuditEvent) -> None:
    """The whole event on one ERROR line, for an operator to replay (`manage.py audit_replay`)."""
    logger.error(
        "%s%s", NOT_RECORDED, json.dumps(as_record(event), sort_keys=True, ensure_ascii=True)
    )


REPLAYED_FIELDS = (
    "at",
    "actor_id",
    "actor_username",
    "tenant_id",
    "app_id",
    "action",
    "outcome",
    "changes",
    "client_ip",
    "user_agent",
    "request_id",
    "transaction_id",
    "completed_at",
    "findings",
)


def as_record(event: AuditEvent) -> dict[str, Any]:
    """Every column of the event (no secret is ever in one), with its id when it has one."""
    record = {name: getattr(event, name) for name in REPLAYED_FIELDS}
    for name in ("at", "completed_at"):
        if record[name] is not None:
            record[name] = record[name].isoformat()
    record["id"] = event.pk
    return record


def _with_one_fresh_connection(operation: Callable[[], T]) -> T:
    """Run `operation`; if the database fails it, once more on a new connection (a dropped
    connection is only found out when used). Inside a transaction there is no second try: the
    transaction is lost with its connection."""
    try:
        return operation()
    except DatabaseError:
        if connection.in_atomic_block:
            raise
        logger.warning("audit: database error, trying once more on a new connection")
        connection.close()
        return operation()


def _plain(value: object, limit: int) -> str:
    """Text fit for a column: control characters (NUL breaks PostgreSQL) dropped, then cut."""
    return "".join(c for c in str(value) if c.isprintable())[:limit]
