"""Template context shared by every page, so the portal and `/admin/` read as one site."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from apps_admin.access import visible_tenants


def site(request: HttpRequest) -> dict:
    user = request.user
    return {
        "site_header": "SkyWay apps portal",
        "site_title": "SkyWay apps portal",
        "has_permission": user.is_authenticated,
        # The header's tenant switcher: one query, and only on pages that render the header.
        "portal_tenants": SimpleLazyObject(lambda: visible_tenants(user)),
    }
