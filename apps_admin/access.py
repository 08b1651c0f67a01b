"""Who may do what in which tenant: the one place that answers it, for pages and API alike.

Not a member: 404 (the tenant's existence is not revealed). A member whose role is too low: 403.
Both are written to the audit log as `access.denied` (rate-limited; a non-member's in the global
log only), and both happen before any ECL call.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps_admin import audit, identity_cache
from apps_admin.client_ip import client_ip
from apps_admin.models import Membership, Role, Tenant

if TYPE_CHECKING:
    from django.contrib.auth.models import User

NOT_FOUND = _("No such tenant.")
TENANT_ID = re.compile(r"[0-9a-f]{32}")


class SignedInRequest(HttpRequest):
    """The request a view behind `login_required` receives, as the type checker sees it: its
    `user` is a User, never AnonymousUser. Django passes its own request; none of these is made."""

    user: User


class RoleTooLow(PermissionDenied):
    """A member whose role does not allow the action: the page that says so names both roles
    and the tenant's admins."""

    def __init__(self, tenant: Tenant, role: Role, needed: Role) -> None:
        self.tenant, self.role, self.needed = tenant, role, needed
        super().__init__(
            gettext("Your role in this tenant is %(role)s; this needs %(needed)s.")
            % {"role": role.label.lower(), "needed": needed.label.lower()}
        )


def tenant_admins(tenant: Tenant) -> list[str]:
    """The user names of the tenant's admins, whom a member can ask for more."""
    members = Membership.objects.filter(tenant=tenant, role=Role.ADMIN, user__is_active=True)
    return sorted(members.values_list("user__username", flat=True))


def role_in(user, tenant: Tenant) -> Role | None:
    """The user's role in the tenant, `admin` for superusers, None for non-members."""
    found = _tenant_and_role(user, tenant.tenant_id)
    return found[1] if found else None


def visible_tenants(user) -> list[tuple[Tenant, Role]]:
    """The tenants the user may see, with their role in each, ordered by name."""
    if not user.is_authenticated or not user.is_active:
        return []
    key = ("tenants", user.pk, user.is_superuser)
    found = identity_cache.held(key, lambda: _read_visible_tenants(user))
    return [(identity_cache.instance_copy(tenant), role) for tenant, role in found]


def _read_visible_tenants(user) -> list[tuple[Tenant, Role]]:
    if user.is_superuser:
        return [(tenant, Role.ADMIN) for tenant in Tenant.objects.all()]
    memberships = Membership.objects.filter(user=user).select_related("tenant")
    return sorted(((m.tenant, Role(m.role)) for m in memberships), key=lambda pair: pair[0].name)


def _tenant_and_role(user, tenant_id: str) -> tuple[Tenant, Role] | None:
    """The tenant and the user's role in it, in one query or none (identity_cache.py); None for
    non-members."""
    if not user.is_authenticated or not user.is_active:
        return None
    key = ("role", user.pk, user.is_superuser, tenant_id)
    found = identity_cache.held(key, lambda: _read_tenant_and_role(user, tenant_id))
    if found is None:
        return None
    tenant, role = found
    return identity_cache.instance_copy(tenant), role


def _read_tenant_and_role(user, tenant_id: str) -> tuple[Tenant, Role] | None:
    if user.is_superuser:
        tenant = Tenant.objects.filter(tenant_id=tenant_id).first()
        return (tenant, Role.ADMIN) if tenant else None
    membership = (
        Membership.objects.filter(user=user, tenant__tenant_id=tenant_id)
        .select_related("tenant")
        .first()
    )
    return (membership.tenant, Role(membership.role)) if membership else None


def tenant_for(request: HttpRequest, tenant_id: str, needed: Role) -> tuple[Tenant, Role]:
    """The tenant and the user's role, or Http404 / PermissionDenied (audited)."""
    tenant_id = str(tenant_id).lower()
    well_formed = TENANT_ID.fullmatch(tenant_id) is not None
    found = _tenant_and_role(request.user, tenant_id) if well_formed else None
    if found is None:
        _record_denial(request, tenant_id="")  # not this tenant's event: it is not theirs
        raise Http404(NOT_FOUND)
    tenant, role = found
    if not role.allows(needed):
        _record_denial(request, tenant_id=tenant.tenant_id, role=role, needed=needed)
        raise RoleTooLow(tenant, role, needed)
    return tenant, role


DENIAL_INTERVAL = 600  # seconds: one access.denied event per person and tenant in this time


def _record_denial(
    request: HttpRequest, *, tenant_id: str, role: Role | None = None, needed: Role | None = None
) -> None:
    """Audit a refusal, at most once per person (or address) and tenant per DENIAL_INTERVAL,
    counted in the shared cache: nobody can fill a tenant's log, or the global one, by
    asking again and again. A refusal in a tenant the person is not a member of goes to the
    global log (superusers), never to that tenant's. The event says what was tried (method
    and path, never the query string) and, for a member, their role and the one needed."""
    user = getattr(request, "user", None)
    who = str(user.pk) if user is not None and user.is_authenticated else client_ip(request)
    if cache.add(f"audit:denied:{who}:{tenant_id or '-'}", 1, timeout=DENIAL_INTERVAL):
        tried = "".join(c for c in f"{request.method} {request.path}" if c.isprintable())
        changes = {"tried": {"from": None, "to": tried[:200]}}
        if role is not None and needed is not None:
            changes["role"] = {"from": role.value, "to": needed.value}
        audit.record(
            request, "access.denied", outcome="denied", tenant_id=tenant_id, changes=changes
        )


def tenant_view(needed: Role) -> Callable:
    """Decorate a page view taking `tenant_id`: requires login and `needed`, then calls
    `view(request, tenant, role, **kwargs)`."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @functools.wraps(view)
        def wrapper(request: HttpRequest, tenant_id: str, **kwargs) -> HttpResponse:
            tenant, role = tenant_for(request, tenant_id, needed)
            # The header's tenant switcher marks it.
            request.tenant = tenant  # type: ignore[attr-defined]  # ours, for the templates
            return view(request, tenant, role, **kwargs)

        return wrapper

    return decorator
