"""Every change to an app and every secret key call: its ECL call(s) and its one audit event.

Pages, bulk actions and the API call these functions and nothing else to change an app; each
raises the ECL error after recording the outcome. A change of the status alone is audited as
`app.suspend` / `app.activate`, wherever it comes from.

What a write says happened is what ECL did (ecl-contract.md, section 6):
- One write at a time per app: an update's read, comparison and write, a status change, a
  delete and a renewal hold the app's lock (`write_lock`), so a second save reads the first
  one's result and gets the conflict form instead of replacing it.
- The audit event is written `pending` before the write is sent and completed after it
  (`audit.begin` / `audit.complete`); if it cannot be written first, nothing is sent.
- A write sent whose answer was lost (OutcomeUnknown) is settled by reading back, within the
  operation's budget (a third of it is kept for that): update and status, GET: the fields hold
  what was sent (done), what was there before (not done: the PUT is sent once more) or
  something else (OutcomeUnknown with the values found); delete, GET: missing is done, present
  is not (the DELETE is sent once more); renewal: the key read before against the key now;
  create: the apps with the same description created since the request started
  (OutcomeUnknown naming them; none: not done). A create or a renewal is never sent twice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import DatabaseError
from django.utils import timezone

from apps_admin import audit, ecl, write_lock
from apps_admin.ecl import errors as ecl_errors

if TYPE_CHECKING:
    from django.http import HttpRequest

    from apps_admin.models import AuditEvent, Tenant

KEY_FIELD = "recording_service_account_key"
# The fields of an app that can be set, in the order ECL's reference lists them.
EDITABLE = ("description", "domains", "permissions", "status", "recording_bucket_name")
LISTS = frozenset({"domains", "permissions"})
STATUS_ACTIONS = {"suspended": "app.suspend", "active": "app.activate"}
READ_BACK_SHARE = 1 / 3  # of what remains of the budget when a write is sent
# ECL's clock may differ from ours: an app made this long before the request is still "new".
CREATE_CLOCK_SKEW = timedelta(seconds=60)
# A renewal through the API this recent was made "at the same moment" as another one.
JUST_RENEWED = timedelta(seconds=10)
# What reading back an update finds.
DONE, NOT_DONE, OTHER, UNTOLD = "done", "not_done", "other", "untold"
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
    with ecl.shared_deadline() as deadline:
        event = audit.begin(
            request, "app.create", tenant_id=tenant.tenant_id, changes=_changes({}, fields)
        )
        started = timezone.now()
        try:
            with _leaving_time_to_read_back(deadline):
                answer = ecl.app_create_answer(tenant, fields)
        except ecl.OutcomeUnknown as lost:
            description = fields.get("description", "")
            raise _settle_create(event, tenant, description, started, lost) from None
        except ecl.ECLError as error:
            _failed(event, error)
            raise
    audit.complete(event, "ok", app_id=answer.value.id)
    return answer


def update_as_sent(
    request: HttpRequest, tenant: Tenant, app_id: str, fields: dict[str, Any]
) -> ecl.Answer[ecl.App | None]:
    """Write `fields` as the caller sent them (ECL's PUT semantics: the API).

    The app is read first, under the app's lock, so the audit log can say what changed.
    """
    with _one_write(tenant, app_id) as deadline:
        try:
            before = editable_values(ecl.app_get(tenant, app_id))
        except ecl.ECLError as error:
            action, changes = update_action(fields), _changes({}, fields)
            _record(request, action, tenant, app_id=app_id, error=error, changes=changes)
            raise
        changed = {
            name: value for name, value in fields.items() if not _unchanged(before, name, value)
        }
        return _write(request, tenant, app_id, fields, before, changed or fields, deadline)


def update_changed(
    request: HttpRequest,
    tenant: Tenant,
    app_id: str,
    *,
    seen: Mapping[str, Any],
    wanted: dict[str, Any],
) -> ecl.Answer[ecl.App | None] | None:
    """Write the fields a person changed (`wanted`) on a form that showed `seen`.

    Reads the app once more first, under the app's lock. A field someone else changed at ECL
    meanwhile is a Conflict (nothing is written); one they changed to the same value is not
    written again. None when nothing is left to write.
    """
    with _one_write(tenant, app_id) as deadline:
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
        return _write(request, tenant, app_id, to_write, current, to_write, deadline)


def set_status(
    request: HttpRequest, tenant: Tenant, app_id: str, status: str, *, was: str | None = None
) -> ecl.Answer[ecl.App | None]:
    """Suspend or activate one app: a PUT of its status alone. `was`, the status the person saw,
    is for the audit log and for reading back (the PUT does not depend on it)."""
    fields = {"status": status}
    before = {"status": was[:32]} if was else {}
    with _one_write(tenant, app_id) as deadline:
        return _write(request, tenant, app_id, fields, before, fields, deadline)


def delete(request: HttpRequest, tenant: Tenant, app_id: str) -> ecl.Answer[None]:
    """Delete the app. Its answer is `{}` whatever ECL's 2xx carried, or the read back found."""
    gone = ecl.Answer(None, b"{}", 200)
    with _one_write(tenant, app_id) as deadline:
        event = audit.begin(request, "app.delete", tenant_id=tenant.tenant_id, app_id=app_id)
        resent = False
        while True:
            try:
                with _leaving_time_to_read_back(deadline):
                    ecl.app_delete_answer(tenant, app_id)
            except ecl.AppNotFound as error:
                if not resent:
                    _failed(event, error)
                    raise
                # Read back as present, then missing when sent again: it is gone.
                audit.complete(event, audit.SETTLED_DONE, findings={"resent": True})
                return gone
            except ecl.OutcomeUnknown as lost:
                try:
                    ecl.app_get_answer(tenant, app_id)
                except ecl.AppNotFound:
                    audit.complete(
                        event,
                        audit.SETTLED_DONE,
                        transaction_id=lost.transaction_id,
                        findings={"read_back": DONE, "resent": resent},
                    )
                    return gone
                except ecl.ECLError as error:
                    raise _unknown(event, lost, error) from None
                if resent or not deadline.allows_another_attempt():
                    raise _not_done(event, lost, ecl_errors.DELETED_NOT) from None
                resent = True
                continue
            except ecl.ECLError as error:
                _failed(event, error)
                raise
            audit.complete(event, "ok", findings=_resent(resent))
            return gone


# --- Secret keys ---------------------------------------------------------------------------


def reveal_key(request: HttpRequest, tenant: Tenant, app_id: str) -> str:
    return _audited(request, "secretkey.reveal", tenant, app_id, ecl.secretkey_get)


def renew_key(
    request: HttpRequest, tenant: Tenant, app_id: str, *, asked_at: datetime | None = None
) -> str:
    """A new secret key. The key in force is read first, so that a lost answer is settled by
    reading it again: changed is renewed (the new key is returned), unchanged is not
    (NotApplied), unreadable is OutcomeUnknown. JustRenewed when someone renewed the key since
    `asked_at` (by default, a moment ago): the key they were shown is the one in force."""
    with _one_write(tenant, app_id) as deadline:
        since = asked_at or timezone.now() - JUST_RENEWED
        try:
            last = audit.last_renewal(tenant.tenant_id, app_id, since=since)
        except DatabaseError:
            raise ecl.AuditUnavailable() from None
        if last is not None:
            raise ecl.JustRenewed(last.actor_username, last.at)
        try:
            old_key = ecl.secretkey_get(tenant, app_id)
        except ecl.ECLError as error:
            _record(request, "secretkey.renew", tenant, app_id=app_id, error=error)
            raise
        event = audit.begin(request, "secretkey.renew", tenant_id=tenant.tenant_id, app_id=app_id)
        try:
            with _leaving_time_to_read_back(deadline):
                key = ecl.secretkey_renew(tenant, app_id)
        except ecl.OutcomeUnknown as lost:
            try:
                key = ecl.secretkey_get(tenant, app_id)
            except ecl.ECLError as error:
                raise _unknown(event, lost, error, ecl_errors.KEY_READ_BACK_FAILED) from None
            if key == old_key:
                raise _not_done(event, lost, ecl_errors.RENEWED_NOT) from None
            audit.complete(
                event,
                audit.SETTLED_DONE,
                transaction_id=lost.transaction_id,
                findings={"read_back": DONE},
            )
            return key
        except ecl.ECLError as error:
            _failed(event, error)
            raise
        audit.complete(event, "ok")
        return key


# --- Helpers -------------------------------------------------------------------------------


@contextlib.contextmanager
def _one_write(tenant: Tenant, app_id: str) -> Iterator[ecl.Deadline]:
    """One operation's budget, and the app's write lock held for the whole of it."""
    with (
        ecl.shared_deadline() as deadline,
        write_lock.app_write_lock(tenant.tenant_id, str(app_id), deadline),
    ):
        yield deadline


def _leaving_time_to_read_back(deadline: ecl.Deadline) -> contextlib.AbstractContextManager:
    """The write's own deadline: what remains, but the share kept for reading back."""
    return ecl.shared_deadline(max(deadline.remaining() * (1 - READ_BACK_SHARE), 0.0))


def _write(
    request: HttpRequest,
    tenant: Tenant,
    app_id: str,
    fields: dict[str, Any],
    before: Mapping[str, Any],
    action_fields: Mapping[str, Any],
    deadline: ecl.Deadline,
) -> ecl.Answer[ecl.App | None]:
    """PUT `fields`, under the app's lock; a lost answer is settled by reading back, and the PUT
    is sent once more when that showed it not made (ECL's PUT may be resent)."""
    changes = _changes(before, {**before, **fields})
    event = audit.begin(
        request,
        update_action(action_fields),
        tenant_id=tenant.tenant_id,
        app_id=app_id,
        changes=changes,
    )
    resent = False
    while True:
        try:
            with _leaving_time_to_read_back(deadline):
                answer = ecl.app_update_answer(tenant, app_id, fields)
        except ecl.OutcomeUnknown as lost:
            try:
                now = ecl.app_get_answer(tenant, app_id)
                if isinstance(now.value, ecl.UnreadableApp):
                    raise ecl.BadUpstreamResponse(ecl.unreadable_message(now.value))
            except ecl.ECLError as error:
                raise _unknown(event, lost, error) from None
            verdict = _verdict(now.value, fields, before)
            if verdict == DONE:
                audit.complete(
                    event,
                    audit.SETTLED_DONE,
                    transaction_id=lost.transaction_id,
                    findings={"read_back": DONE, "resent": resent},
                )
                return ecl.Answer(now.value, now.body, now.status)
            if verdict == OTHER:
                found = editable_values(now.value)
                raise _unknown(
                    event, lost, None, ecl_errors.CHANGED_BY_SOMEONE, found={"app": found}
                ) from None
            if resent or not deadline.allows_another_attempt():
                if verdict == UNTOLD:
                    raise _unknown(event, lost, None, ecl_errors.KEY_UNTOLD) from None
                raise _not_done(event, lost) from None
            resent = True
            continue
        except ecl.ECLError as error:
            _failed(event, error)
            raise
        audit.complete(event, "ok", findings=_resent(resent))
        return answer


def _verdict(app: ecl.App, sent: Mapping[str, Any], before: Mapping[str, Any]) -> str:
    """What the app read back says of a PUT of `sent` over `before`: DONE, NOT_DONE, OTHER, or
    UNTOLD (only a write-only key was sent)."""
    current = editable_values(app)
    shown = [name for name in sent if name in current]
    if not shown:
        return UNTOLD
    if all(same(name, current[name], sent[name]) for name in shown):
        return DONE
    if all(name not in before or same(name, current[name], before[name]) for name in shown):
        return NOT_DONE
    return OTHER


def _settle_create(
    event: AuditEvent, tenant: Tenant, description: str, started: datetime, lost: ecl.ECLError
) -> ecl.ECLError:
    """The apps with the same description created since the request started: none, it was not
    made; some, it may be one of them (OutcomeUnknown naming them, never a second create)."""
    try:
        apps = ecl.app_list(tenant, expand=True)
    except ecl.ECLError as error:
        return _unknown(event, lost, error, ecl_errors.LIST_READ_BACK_FAILED)
    since = started - CREATE_CLOCK_SKEW
    found = [
        app
        for app in apps
        if app.description == description and app.created_at and app.created_at >= since
    ]
    if not found:
        return _not_done(event, lost, ecl_errors.CREATED_NOT)
    apps_found = [
        {"id": app.id, "description": app.description, "created_at": app.created_at.isoformat()}
        for app in found
    ]
    audit.complete(
        event,
        audit.UNKNOWN,
        app_id=found[0].id if len(found) == 1 else "",
        transaction_id=lost.transaction_id,
        findings={"read_back": "found", "apps": apps_found},
    )
    return ecl.OutcomeUnknown(
        ecl_errors.CREATED_MAYBE, transaction_id=lost.transaction_id, found={"apps": apps_found}
    )


def _unknown(
    event: AuditEvent,
    lost: ecl.ECLError,
    error: ecl.ECLError | None,
    message: Any = ecl_errors.READ_BACK_FAILED,
    *,
    found: Any = None,
) -> ecl.OutcomeUnknown:
    """The outcome stays unknown: reading back failed with `error`, or found `found`."""
    findings: dict[str, Any] = {"read_back": "failed" if error is not None else OTHER}
    if error is not None:
        findings["error"] = error.code
    audit.complete(event, audit.UNKNOWN, transaction_id=lost.transaction_id, findings=findings)
    return ecl.OutcomeUnknown(message, transaction_id=lost.transaction_id, found=found)


def _not_done(event: AuditEvent, lost: ecl.ECLError, message: Any = None) -> ecl.NotApplied:
    """Reading back showed the write not made: nothing was changed."""
    audit.complete(
        event,
        audit.SETTLED_NOT_DONE,
        transaction_id=lost.transaction_id,
        findings={"read_back": NOT_DONE},
    )
    return ecl.NotApplied(message, transaction_id=lost.transaction_id)


def _failed(event: AuditEvent, error: ecl.ECLError) -> None:
    """Complete the event of a write that was not carried out (or whose outcome is unknown)."""
    audit.complete(event, audit.outcome_of(error), transaction_id=error.transaction_id)


def _resent(resent: bool) -> dict[str, Any] | None:
    return {"read_back": NOT_DONE, "resent": True} if resent else None


def _audited(
    request: HttpRequest,
    action: str,
    tenant: Tenant,
    app_id: str,
    operation: Callable[[Tenant, str], T],
) -> T:
    """Call `operation(tenant, app_id)` (a read) and record its outcome."""
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
    """One event of an action that sent no write (a read, or a write refused before)."""
    audit.record_or_log(
        request,
        action,
        outcome=audit.outcome_of(error),
        tenant_id=tenant.tenant_id,
        app_id=str(app_id),
        changes=changes,
        transaction_id=error.transaction_id if error is not None else "",
    )
