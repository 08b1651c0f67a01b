"""Template context shared by every page, so the portal and `/admin/` read as one site."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from apps_admin.access import visible_tenants


def site(request: HttpRequest) -> dict:
    user = request.user
    return {
        "site_header": _("SkyWay apps portal"),
        "site_title": _("SkyWay apps portal"),
        "has_permission": user.is_authenticated,
        # The header's tenant switcher: one query, and only on pages that render the header.
        "portal_tenants": SimpleLazyObject(lambda: visible_tenants(user)),
    }
