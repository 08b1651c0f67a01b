"""Every change to an app and every secret key call: its ECL call(s) and its one audit event.

Pages, bulk actions and the API call these functions and nothing else to change an app; each
raises the ECL error after recording the failed outcome. A change of the status alone is audited
as `app.suspend` / `app.activate`, wherever it comes from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from apps_admin import audit, ecl

if TYPE_CHECKING:
    from django.http import HttpRequest

    from apps_admin.models import Tenant

KEY_FIELD = "recording_service_account_key"
# The fields of an app that can be set, in the order ECL's reference lists them.
EDITABLE = ("description", "domains", "permissions", "status", "recording_bucket_name")
LISTS = frozenset({"domains", "permissions"})
STATUS_ACTIONS = {"suspended": "app.suspend", "active": "app.activate"}
T = TypeVar("T")


def editable_values(app: ecl.App) -> dict[str, Any]:
    """The fields of an app that can be set, under their request names."""
    return {
        "description": app.description,
        "domains": list(app.domains),
        "permissions": list(app.permissions),
        "status": app.status,
        "recording_bucket_name": app.recording_bucket,
    }


def same(field: str, first: Any, second: Any) -> bool:
    """Whether two values of `field` are the same; lists compare as sets."""
    if field in LISTS:
        return set(first or ()) == set(second or ())
    return first == second


def update_action(fields: Mapping[str, Any]) -> str:
    """`app.suspend` / `app.activate` for a write of the status alone, else `app.update`."""
    if set(fields) == {"status"} and fields["status"] in STATUS_ACTIONS:
        return STATUS_ACTIONS[fields["status"]]
    return "app.update"


class Conflict(Exception):
    """Fields the user changed that someone else changed at ECL since the form was shown.

    `current` holds the app's editable values at ECL now; nothing was written.
    """

    def __init__(self, fields: tuple[str, ...], current: dict[str, Any]) -> None:
        super().__init__(", ".join(fields))
        self.fields = fields
        self.current = current


# --- Apps ----------------------------------------------------------------------------------


def create(request: HttpRequest, tenant: Tenant, fields: dict[str, Any]) -> ecl.Answer[ecl.App]:
    """Create an app with `fields` (request names; the key only when one is given)."""
    changes = _changes({}, fields)
    try:
        answer = ecl.app_create_answer(tenant, fields)
    except ecl.ECLError as error:
        _record(request, "app.create", tenant, error=error, changes=changes)
        raise
    _record(request, "app.create", tenant, app_id=answer.value.id, changes=changes)
    return answer


def update_as_sent(
    request: HttpRequest,
    tenant: Tenant,
    app_id: str,
    fields: dict[str, Any],
    *,
    before: dict[str, Any] | None = None,
) -> ecl.Answer[ecl.App | None]:
    """Write `fields` as the caller sent them (ECL's PUT semantics: the API).

    The app is read first (unless `before` is given) so the audit log can say what changed.
    """
    if before is None:
        try:
            before = editable_values(ecl.app_get(tenant, app_id))
        except ecl.ECLError as error:
            _record(
                request,
                update_action(fields),
                tenant,
                app_id=app_id,
                error=error,
                changes=_changes({}, fields),
            )
            raise
    changed = {name: value for name, value in fields.items() if not _unchanged(before, name, value)}
    return _write(request, tenant, app_id, fields, before=before, action_fields=changed or fields)


def update_changed(
    request: HttpRequest,
    tenant: Tenant,
    app_id: str,
    *,
    seen: Mapping[str, Any],
    wanted: dict[str, Any],
) -> ecl.Answer[ecl.App | None] | None:
    """Write the fields a person changed (`wanted`) on a form that showed `seen`.

    Reads the app once more first. A field someone else changed at ECL meanwhile is a Conflict
    (nothing is written); one they changed to the same value is not written again. None when
    nothing is left to write.
    """
    try:
        current = editable_values(ecl.app_get(tenant, app_id))
    except ecl.ECLError as error:
        changes = _changes(seen, {**seen, **wanted})
        action = update_action(wanted)
        _record(request, action, tenant, app_id=app_id, error=error, changes=changes)
        raise
    conflicts = tuple(
        name
        for name in EDITABLE
        if name in wanted
        and not same(name, current[name], seen.get(name))
        and not same(name, current[name], wanted[name])
    )
    if conflicts:
        raise Conflict(conflicts, current)
    to_write = {
        name: value for name, value in wanted.items() if not _unchanged(current, name, value)
    }
    if not to_write:
        return None
    return _write(request, tenant, app_id, to_write, before=current, action_fields=to_write)


def set_status(
    request: HttpRequest, tenant: Tenant, app_id: str, status: str, *, was: str | None = None
) -> ecl.Answer[ecl.App | None]:
    """Suspend or activate one app: a PUT of its status alone. `was`, the status the person saw,
    is only for the audit log (the PUT does not depend on it)."""
    fields = {"status": status}
    before = {"status": was[:32]} if was else {}
    return _write(request, tenant, app_id, fields, before=before, action_fields=fields)


def delete(request: HttpRequest, tenant: Tenant, app_id: str) -> ecl.Answer[None]:
    return _audited(request, "app.delete", tenant, app_id, ecl.app_delete_answer)


# --- Secret keys ---------------------------------------------------------------------------


def reveal_key(request: HttpRequest, tenant: Tenant, app_id: str) -> str:
    return _audited(request, "secretkey.reveal", tenant, app_id, ecl.secretkey_get)


def renew_key(request: HttpRequest, tenant: Tenant, app_id: str) -> str:
    """A new secret key; OutcomeUnknown when its answer was lost (the key may have changed)."""
    return _audited(request, "secretkey.renew", tenant, app_id, ecl.secretkey_renew)


# --- Helpers -------------------------------------------------------------------------------


def _audited(
    request: HttpRequest,
    action: str,
    tenant: Tenant,
    app_id: str,
    operation: Callable[[Tenant, str], T],
) -> T:
    """Call `operation(tenant, app_id)` and record its outcome."""
    try:
        result = operation(tenant, app_id)
    except ecl.ECLError as error:
        _record(request, action, tenant, app_id=app_id, error=error)
        raise
    _record(request, action, tenant, app_id=app_id)
    return result


def _unchanged(before: Mapping[str, Any], name: str, value: Any) -> bool:
    """A key is write-only, so sending one is always a change."""
    return name != KEY_FIELD and name in before and same(name, before[name], value)


def _write(
    request: HttpRequest,
    tenant: Tenant,
    app_id: str,
    fields: dict[str, Any],
    *,
    before: Mapping[str, Any],
    action_fields: Mapping[str, Any],
) -> ecl.Answer[ecl.App | None]:
    action = update_action(action_fields)
    changes = _changes(before, {**before, **fields})
    try:
        answer = ecl.app_update_answer(tenant, app_id, fields)
    except ecl.ECLError as error:
        _record(request, action, tenant, app_id=app_id, error=error, changes=changes)
        raise
    _record(request, action, tenant, app_id=app_id, changes=changes)
    return answer


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """What the audit log says changed: the key only as changed, lists compared as sets."""
    shown_before = {name: before[name] for name in EDITABLE if name in before}
    shown_after = {name: after[name] for name in EDITABLE if name in after}
    for name in LISTS & shown_before.keys() & shown_after.keys():
        if same(name, shown_before[name], shown_after[name]):
            shown_after[name] = shown_before[name]  # the same set in another order
    if after.get(KEY_FIELD):
        shown_after[KEY_FIELD] = "new"
    return audit.changes_between(shown_before, shown_after, secret=[KEY_FIELD])


def _record(
    request: HttpRequest,
    action: str,
    tenant: Tenant,
    *,
    app_id: Any = "",
    error: ecl.ECLError | None = None,
    changes: Mapping[str, Any] | None = None,
) -> None:
    audit.record(
        request,
        action,
        outcome=audit.outcome_of(error),
        tenant_id=tenant.tenant_id,
        app_id=str(app_id),
        changes=changes,
        transaction_id=error.transaction_id if error is not None else "",
    )
