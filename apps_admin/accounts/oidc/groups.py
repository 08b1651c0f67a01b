"""Tenant roles from the provider's groups, set at each sign-in: the part of a membership that
groups give follows the groups; the part granted by hand stays as it is."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest

from apps_admin import tenancy
from apps_admin.models import GroupRole, Role, Tenant


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
    """Set the part of the user's roles that groups give (roles by hand stay); one audit event
    per membership changed, written by `tenancy`."""
    tenancy.sync_groups(request, user, roles_for(groups))
