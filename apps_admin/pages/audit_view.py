"""Audit events in a person's words: what each action was, and what changed, field by field.

The log keeps its own codes (`app.update`, `domains`) for filtering and export; the page shows
them translated, lists as what was added and removed, a status from old to new, and the service
account key only as replaced.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps_admin import audit
from apps_admin.models import AuditEvent, Role

ACTION_LABELS = {
    "app.create": _("App added"),
    "app.update": _("App changed"),
    "app.suspend": _("App suspended"),
    "app.activate": _("App activated"),
    "app.delete": _("App deleted"),
    "secretkey.reveal": _("Secret key revealed"),
    "secretkey.renew": _("Secret key regenerated"),
    "tenant.change": _("Tenant settings changed"),
    "membership.change": _("Members changed"),
    "grouprole.change": _("Group role changed"),
    "login.failed": _("Failed sign-in"),
    "access.denied": _("Access refused"),
    "token.create": _("API token created"),
    "token.revoke": _("API token revoked"),
    "token.suspend": _("API tokens suspended"),
    "token.resume": _("API tokens working again"),
    "user.create": _("User created at first sign-in"),
    "user.deactivate": _("User deactivated"),
    "mfa.enrol": _("Second factor added"),
    "mfa.remove": _("Second factor removed"),
    "mfa.recovery_codes": _("New recovery codes made"),
    "mfa.reset": _("Second factor reset by an administrator"),
}
FIELD_LABELS = {
    "description": _("Description"),
    "domains": _("Domains"),
    "permissions": _("Permissions"),
    "status": _("Status"),
    "recording_bucket_name": _("Recording bucket name"),
    "recording_service_account_key": _("Recording service account key"),
    "api_secret": _("ECL API secret key"),
    "name": _("Name"),
    "scope": _("Scope"),
    "tried": _("Tried"),
    "user": _("User"),
    "role": _("Role"),
    "role_by_hand": _("Role by hand"),
    "role_from_groups": _("Role from groups"),
    "group": _("Provider group"),
    "tokens": _("API tokens"),
    "reason": _("Reason"),
    "factor": _("Second factor"),
    "second_factor": _("Second factor"),
    "recovery_codes": _("Recovery codes"),
}
SECRET_FIELDS = frozenset({"recording_service_account_key", "api_secret"})
LIST_FIELDS = frozenset({"domains", "permissions"})


# What became of an action; any other outcome is the name of the error that stopped it.
OUTCOME_LABELS = {
    "ok": _("done"),
    audit.SETTLED_DONE: _("done: ECL's answer was lost, and reading back showed the change"),
    audit.SETTLED_NOT_DONE: _("not done: ECL's answer was lost, and reading back showed no change"),
    audit.UNKNOWN: _("outcome unknown: ECL's answer was lost, and reading back could not tell"),
    audit.PENDING: _("in progress, or its outcome could not be recorded"),
    "denied": _("refused"),
}
SUCCEEDED = frozenset({"ok", audit.SETTLED_DONE})
UNSETTLED = frozenset({audit.UNKNOWN, audit.PENDING})


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


def outcome_label(event: AuditEvent) -> str:
    """The outcome in words, with what reading back found (the apps a lost create may have
    made); an error's name as it is (`failed: UpstreamUnavailable`)."""
    label = OUTCOME_LABELS.get(event.outcome)
    if label is None:
        return gettext("failed: %(error)s") % {"error": event.outcome}
    apps = (event.findings or {}).get("apps") if isinstance(event.findings, dict) else None
    if apps:
        return gettext("%(outcome)s (it may be app %(apps)s)") % {
            "outcome": label,
            "apps": ", ".join(
                str(app.get("id", "")) if isinstance(app, dict) else str(app) for app in apps
            ),
        }
    return str(label)


def outcome_kind(event: AuditEvent) -> str:
    """`done`, `not-done` (settled by reading back), `unknown` or `failed`, for styling."""
    if event.outcome in SUCCEEDED:
        return "done"
    if event.outcome == audit.SETTLED_NOT_DONE:
        return "not-done"
    return "unknown" if event.outcome in UNSETTLED else "failed"


@dataclass(frozen=True)
class Change:
    field: str  # the log's own name
    label: str
    text: str  # what happened to it, in words


def changes(event: AuditEvent) -> list[Change]:
    created = event.action.endswith(".create")
    describe = _refusal if event.action == "access.denied" else _describe
    return [
        Change(field, str(FIELD_LABELS.get(field, field)), describe(field, change, created))
        for field, change in sorted((event.changes or {}).items())
        if isinstance(change, Mapping)
    ]


def _refusal(field: str, change: Mapping[str, Any], created: bool) -> str:
    """A refusal changed nothing: it says what was tried, and the role held and needed."""
    old, new = change.get("from"), change.get("to")
    if field == "role":
        return gettext("%(role)s; needed: %(needed)s") % {
            "role": _role_label(old),
            "needed": _role_label(new),
        }
    return _value(new)


def _role_label(value: Any) -> str:
    return str(Role(value).label) if value in Role.values else _value(value)


def _describe(field: str, change: Mapping[str, Any], created: bool) -> str:
    old, new = change.get("from"), change.get("to")
    if field in SECRET_FIELDS:  # the log holds no value of a secret, only that it changed
        return gettext("set") if created else gettext("replaced")
    if field in LIST_FIELDS or isinstance(old, list) or isinstance(new, list):
        return _list_change(_items(old), _items(new))
    return f"{_value(old)} → {_value(new)}"


def _list_change(old: list[str], new: list[str]) -> str:
    added = [item for item in new if item not in old]
    removed = [item for item in old if item not in new]
    parts = []
    if added:
        parts.append(gettext("added %(items)s") % {"items": ", ".join(added)})
    if removed:
        parts.append(gettext("removed %(items)s") % {"items": ", ".join(removed)})
    return "; ".join(parts) or gettext("the same, in another order")


def _items(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return [] if value in (None, "") else [str(value)]


def _value(value: Any) -> str:
    return "—" if value in (None, "") else str(value)


def one_line(event: AuditEvent) -> str:
    """The changes on one line, for the CSV export."""
    return "; ".join(f"{change.field}: {change.text}" for change in changes(event))


def rows(events: Iterable[AuditEvent]) -> list[dict[str, Any]]:
    """What the page shows of each event."""
    return [
        {
            "event": event,
            "label": action_label(event.action),
            "outcome": outcome_label(event),
            "outcome_kind": outcome_kind(event),
            "changes": changes(event),
        }
        for event in events
    ]


def last_events_of_app(tenant_id: str, app_id: str, count: int = 5) -> list[dict[str, Any]]:
    """The app's latest events, for its page."""
    events = AuditEvent.objects.filter(tenant_id=tenant_id, app_id=app_id)
    return rows(events.order_by("-at", "-id")[:count])
