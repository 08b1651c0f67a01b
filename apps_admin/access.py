"""Who may do what in which tenant: the one place that answers it, for pages and API alike.

Not a member: 404 (the tenant's existence is not revealed). A member whose role is too low: 403.
Both are written to the audit log as `access.denied` (rate-limited; a non-member's in the global
log only), and both happen before any ECL call.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps_admin import audit, identity_cache
from apps_admin.client_ip import client_ip
from apps_admin.models import Membership, Role, Tenant

NOT_FOUND = _("No such tenant.")
TENANT_ID = re.compile(r"[0-9a-f]{32}")


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
    return _tenant_and_role(user, tenant.tenant_id)[1]


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


def _tenant_and_role(user, tenant_id: str) -> tuple[Tenant | None, Role | None]:
    """The tenant and the user's role in it, in one query or none (identity_cache.py); (None,
    None) for non-members."""
    if not user.is_authenticated or not user.is_active:
        return None, None
    key = ("role", user.pk, user.is_superuser, tenant_id)
    tenant, role = identity_cache.held(key, lambda: _read_tenant_and_role(user, tenant_id))
    return identity_cache.instance_copy(tenant), role


def _read_tenant_and_role(user, tenant_id: str) -> tuple[Tenant | None, Role | None]:
    if user.is_superuser:
        tenant = Tenant.objects.filter(tenant_id=tenant_id).first()
        return tenant, Role.ADMIN if tenant else None
    membership = (
        Membership.objects.filter(user=user, tenant__tenant_id=tenant_id)
        .select_related("tenant")
        .first()
    )
    return (membership.tenant, Role(membership.role)) if membership else (None, None)


def tenant_for(request: HttpRequest, tenant_id: str, needed: Role) -> tuple[Tenant, Role]:
    """The tenant and the user's role, or Http404 / PermissionDenied (audited)."""
    tenant_id = str(tenant_id).lower()
    well_formed = TENANT_ID.fullmatch(tenant_id) is not None
    tenant, role = _tenant_and_role(request.user, tenant_id) if well_formed else (None, None)
    if role is None:
        _record_denial(request, tenant_id="")  # not this tenant's event: it is not theirs
        raise Http404(NOT_FOUND)
    if not role.allows(needed):
        _record_denial(request, tenant_id=tenant.tenant_id)
        raise RoleTooLow(tenant, role, needed)
    return tenant, role


DENIAL_INTERVAL = 600  # seconds: one access.denied event per person and tenant in this time


def _record_denial(request: HttpRequest, *, tenant_id: str) -> None:
    """Audit a refusal, at most once per person (or address) and tenant per DENIAL_INTERVAL,
    counted in the shared cache: nobody can fill a tenant's log, or the global one, by
    asking again and again. A refusal in a tenant the person is not a member of goes to the
    global log (superusers), never to that tenant's."""
    user = getattr(request, "user", None)
    who = str(user.pk) if user is not None and user.is_authenticated else client_ip(request)
    if cache.add(f"audit:denied:{who}:{tenant_id or '-'}", 1, timeout=DENIAL_INTERVAL):
        audit.record(request, "access.denied", outcome="denied", tenant_id=tenant_id)


def tenant_view(needed: Role) -> Callable:
    """Decorate a page view taking `tenant_id`: requires login and `needed`, then calls
    `view(request, tenant, role, **kwargs)`."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @functools.wraps(view)
        def wrapper(request: HttpRequest, tenant_id: str, **kwargs) -> HttpResponse:
            tenant, role = tenant_for(request, tenant_id, needed)
            request.tenant = tenant  # the header's tenant switcher marks it
            return view(request, tenant, role, **kwargs)

        return wrapper

    return decorator
