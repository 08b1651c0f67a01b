"""Tenant roles from the provider's groups, set at each sign-in: a role that came from a group
follows the groups; a role granted by hand stays as it is."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest

from apps_admin import audit
from apps_admin.models import GroupRole, Membership, Role, Tenant


def parse_group_roles(text: str) -> tuple[list[tuple[str, str, str]], list[str]]:
    """OIDC_GROUP_ROLES (`group=tenant_id:role,...`) as (group, tenant id, role) entries, and the
    entries that do not parse (the system check names them; sign-ins leave them out)."""
    found, wrong = [], []
    for entry in filter(None, (part.strip() for part in text.split(","))):
        group, _equals, target = entry.partition("=")
        tenant_id, _colon, role = target.partition(":")
        if group and tenant_id and role in Role.values:
            found.append((group, tenant_id.lower(), role))
        else:
            wrong.append(entry)
    return found, wrong


def roles_for(groups: Iterable[str]) -> dict[int, str]:
    """The highest role each group gives, by tenant pk."""
    groups = set(groups)
    wanted: dict[int, str] = {}

    def give(tenant_pk: int, role: str) -> None:
        if Role(role).allows(Role(wanted.get(tenant_pk, Role.VIEWER))):
            wanted[tenant_pk] = role

    for mapping in GroupRole.objects.filter(group__in=groups):
        give(mapping.tenant_id, mapping.role)
    configured, _wrong = parse_group_roles(settings.OIDC_GROUP_ROLES)
    from_setting = [(t, r) for g, t, r in configured if g in groups]
    if from_setting:
        tenants = dict(
            Tenant.objects.filter(tenant_id__in=[t for t, _r in from_setting]).values_list(
                "tenant_id", "pk"
            )
        )
        for tenant_id, role in from_setting:
            if tenant_id in tenants:
                give(tenants[tenant_id], role)
    return wanted


def sync(request: HttpRequest | None, user, groups: Iterable[str]) -> None:
    """Grant, change and remove the user's roles that come from groups; one audit event each."""
    wanted = roles_for(groups)
    current = {
        m.tenant_id: m for m in Membership.objects.filter(user=user).select_related("tenant")
    }
    for tenant_pk, membership in current.items():
        if not membership.from_groups:
            continue  # granted by hand
        role = wanted.get(tenant_pk)
        if role is None:
            membership.delete()
            _audit(request, user, membership.tenant, membership.role, None)
        elif role != membership.role:
            before = membership.role
            membership.role = role
            membership.save(update_fields=["role", "updated_at"])
            _audit(request, user, membership.tenant, before, role)
    for tenant_pk, role in wanted.items():
        if tenant_pk not in current:
            membership = Membership.objects.create(
                user=user, tenant_id=tenant_pk, role=role, from_groups=True
            )
            _audit(request, user, membership.tenant, None, role)


def _audit(request, user, tenant: Tenant, before: str | None, after: str | None) -> None:
    name = user.get_username()
    audit.record(
        request,
        "membership.change",
        tenant_id=tenant.tenant_id,
        changes={
            **audit.changes_between(
                {"user": name, "role": before} if before else {},
                {"user": name, "role": after} if after else {},
            ),
            "source": {"from": None, "to": "provider groups"},
        },
        user=user,
    )
