"""The one door for tenants, memberships and group-role mappings, as `app_actions` is for apps:
the admin, `tenant_add`, `tenant_grant`, `tenant_revoke` and the sign-in's group sync change them
here, and each change is written to the audit log here, once, under one name (`tenant.change`,
`membership.change`, `grouprole.change`). `tests/core/test_tenancy.py` fails when other code
writes these models.

A membership has two sources (models.Membership): the role granted by hand and the role the
provider's groups give. `grant` and `revoke` change only the first, `sync_groups` only the
second; the role in force is the higher, and a membership left with neither is deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from apps_admin import audit
from apps_admin.models import GroupRole, Membership, Tenant

# The fields of a tenant the audit log names; the secret only as "changed".
TENANT_FIELDS = ("name", "tenant_id", "region", "identity_url", "api_url", "api_key")
SECRET_FIELD = "api_secret"  # noqa: S105 (a field name)
MANAGE_PY = "manage.py"  # the actor of a management command


def _record(request: HttpRequest | None, action: str, actor: str, **fields: Any) -> None:
    audit.record(request, action, username=actor if request is None else "", **fields)


# --- Tenants ----------------------------------------------------------------------------------


def tenant_fields(tenant: Tenant) -> dict[str, str]:
    """What the log compares of a tenant, read before a change (`{}` for a new one)."""
    if tenant.pk is None:
        return {}
    return {field: getattr(tenant, field) for field in TENANT_FIELDS}


def save_tenant(
    request: HttpRequest | None,
    tenant: Tenant,
    before: Mapping[str, str],
    *,
    secret: str = "",
    actor: str = MANAGE_PY,
) -> bool:
    """Save a new or changed tenant (with its new ECL API secret when given) and log what
    changed. `before` is `tenant_fields()` of the tenant as it was. False when nothing did."""
    if secret:
        stored = tenant.api_secret_encrypted
        secret_changed = not stored or _decrypts_to(stored) != secret
        tenant.set_api_secret(secret)
    else:
        secret_changed = False
    after = {field: getattr(tenant, field) for field in TENANT_FIELDS}
    if not before:  # a new tenant: the fields it has, not the empty ones
        after = {field: value for field, value in after.items() if value}
    changes = audit.changes_between(before, after)
    if secret_changed:
        changes[SECRET_FIELD] = {"from": audit.CHANGED, "to": audit.CHANGED}
    created = tenant.pk is None
    if not changes and not created:
        return False
    tenant.save()
    _record(request, "tenant.change", actor, tenant_id=tenant.tenant_id, changes=changes)
    return True


def _decrypts_to(stored: str) -> str | None:
    from apps_admin import crypto

    try:
        return crypto.decrypt(stored)
    except crypto.SecretUndecryptable:
        return None


def delete_tenant(request: HttpRequest | None, tenant: Tenant, *, actor: str = MANAGE_PY) -> None:
    """Delete a tenant, its memberships and group roles with it (one event)."""
    tenant_id = tenant.tenant_id
    tenant.delete()
    _record(
        request,
        "tenant.change",
        actor,
        tenant_id=tenant_id,
        changes={"deleted": {"from": False, "to": True}},
    )


def note_usage_recorded(tenant: Tenant, at: datetime) -> None:
    """Bookkeeping of `record_usage`, not a change anyone made: not audited."""
    tenant.usage_recorded_at = at
    Tenant.objects.filter(pk=tenant.pk).update(usage_recorded_at=at)


def reencrypt_secret(tenant: Tenant, ciphertext: str) -> None:
    """Key rotation: the same secret under the first key; not a change of the tenant."""
    tenant.api_secret_encrypted = ciphertext
    tenant.save(update_fields=["api_secret_encrypted"])


# --- Memberships ------------------------------------------------------------------------------


def _membership_fields(membership: Membership | None) -> dict[str, str | None]:
    if membership is None:
        return {}
    return {
        "user": membership.user.get_username(),
        "role": membership.role,
        "role_by_hand": membership.role_by_hand or None,
        "role_from_groups": membership.role_from_groups or None,
    }


def _set_source(
    request: HttpRequest | None,
    user: Any,
    tenant: Tenant,
    source: str,
    role: str | None,
    *,
    actor: str,
    audit_user: Any = None,
) -> Membership | None:
    """Set one source of the user's membership (None removes it); the membership as it ends,
    or None when it is gone. One event when anything changed."""
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .select_related("user", "tenant")
            .filter(user=user, tenant=tenant)
            .first()
        )
        before = _membership_fields(membership)
        if membership is None:
            if role is None:
                return None
            membership = Membership(user=user, tenant=tenant)
        if getattr(membership, source) == (role or "") and membership.pk is not None:
            return membership
        setattr(membership, source, role or "")
        if not membership.role_by_hand and not membership.role_from_groups:
            membership.delete()
            after: dict[str, str | None] = {}
            result = None
        else:
            membership.save()
            after = _membership_fields(membership)
            result = membership
        if before != after:
            audit.record(
                request,
                "membership.change",
                tenant_id=tenant.tenant_id,
                changes=audit.changes_between(before, after),
                user=audit_user,
                username=actor if request is None else "",
            )
        return result


def grant(
    request: HttpRequest | None, user: Any, tenant: Tenant, role: str, *, actor: str = MANAGE_PY
) -> Membership:
    """Grant `role` by hand (whatever the groups give: the higher is in force)."""
    membership = _set_source(request, user, tenant, "role_by_hand", role, actor=actor)
    assert membership is not None
    return membership


def revoke(
    request: HttpRequest | None, user: Any, tenant: Tenant, *, actor: str = MANAGE_PY
) -> Membership | None:
    """Remove the role granted by hand; what groups give stays (the membership, if any)."""
    return _set_source(request, user, tenant, "role_by_hand", None, actor=actor)


def sync_groups(request: HttpRequest | None, user: Any, wanted: Mapping[int, str]) -> None:
    """Set the part of each membership of `user` that groups give: `wanted` is the role by
    tenant pk from their groups now; a tenant not in it loses the group part only."""
    current = {
        m.tenant_id: m.tenant
        for m in Membership.objects.filter(user=user)
        .exclude(role_from_groups="")
        .select_related("tenant")
        .order_by("tenant_id")
    }
    tenants = Tenant.objects.in_bulk(set(wanted) - set(current))
    for tenant_pk in sorted(set(current) | set(wanted)):
        tenant = current.get(tenant_pk) or tenants.get(tenant_pk)
        if tenant is not None:
            _set_source(
                request,
                user,
                tenant,
                "role_from_groups",
                wanted.get(tenant_pk),
                actor="",
                audit_user=user,
            )


# --- Group roles ------------------------------------------------------------------------------


def _group_role_fields(mapping: GroupRole | None) -> dict[str, str]:
    if mapping is None or mapping.pk is None:
        return {}
    return {"group": mapping.group, "role": mapping.role}


def group_role_before(mapping: GroupRole) -> dict[str, str]:
    """The mapping as stored, read before a change."""
    stored = GroupRole.objects.filter(pk=mapping.pk).first() if mapping.pk else None
    fields = _group_role_fields(stored)
    if stored is not None and stored.tenant_id != mapping.tenant_id:
        fields["tenant"] = stored.tenant.tenant_id
    return fields


def save_group_role(
    request: HttpRequest | None,
    mapping: GroupRole,
    before: Mapping[str, str],
    *,
    actor: str = MANAGE_PY,
) -> None:
    """Save a new or changed group-role mapping; it applies at each member's next sign-in."""
    mapping.save()
    changes = audit.changes_between(before, _group_role_fields(mapping))
    if changes:
        _record(
            request,
            "grouprole.change",
            actor,
            tenant_id=mapping.tenant.tenant_id,
            changes=changes,
        )


def delete_group_role(
    request: HttpRequest | None, mapping: GroupRole, *, actor: str = MANAGE_PY
) -> None:
    before, tenant_id = _group_role_fields(mapping), mapping.tenant.tenant_id
    mapping.delete()
    _record(
        request,
        "grouprole.change",
        actor,
        tenant_id=tenant_id,
        changes=audit.changes_between(before, {}),
    )
