"""`/healthz?detail`: each tenant's ECL circuit breaker and this process's ECL operations, for
staff only (a signed-in staff session, or a staff user's API token); others get the plain answer."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from apps_admin.accounts import api_tokens, second_factor
from apps_admin.accounts.oidc import suspension
from apps_admin.ecl import breaker, bulkhead
from apps_admin.models import Tenant

logger = logging.getLogger(__name__)


def for_request(request: HttpRequest) -> dict[str, Any]:
    """What `?detail` adds to the health answer for this request: nothing unless it asked and
    comes from staff."""
    if "detail" not in request.GET:
        return {}
    try:
        return _detail(request)
    except Exception:  # the health answer itself says what is down; never a 500 for detail
        logger.warning("health check: no detail", exc_info=True)
        return {}


def _detail(request: HttpRequest) -> dict[str, Any]:
    if not _from_staff(request):
        return {}
    tenants = dict(Tenant.objects.values_list("tenant_id", "name"))
    found = breaker.states(list(tenants))
    return {
        "ecl": [
            {
                "tenant_id": tenant_id,
                "name": tenants[tenant_id],
                **state.as_dict(),
                "running_here": bulkhead.running(tenant_id),
            }
            for tenant_id, state in sorted(found.items(), key=lambda item: tenants[item[0]])
        ]
    }


def _from_staff(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # /healthz is open to a session still waiting for its second factor: not enough here.
        done = (second_factor.VERIFIED, second_factor.NOT_NEEDED)
        return bool(user.is_staff) and request.session.get(second_factor.SESSION_KEY) in done
    text = _token_text(request)
    token = api_tokens.find(text) if text else None
    if token is None or token.revoked_at is not None or token.expires_at <= timezone.now():
        return False
    owner = token.user
    return owner.is_active and owner.is_staff and suspension.suspended_since(owner) is None


def _token_text(request: HttpRequest) -> str:
    keyword, _space, text = request.headers.get("Authorization", "").partition(" ")
    if keyword == "Token" and text.strip():
        return text.strip()
    return request.headers.get("X-Auth-Token", "").strip()
