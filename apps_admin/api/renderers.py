"""The browsable API, showing each form only to those whose role allows it."""

from __future__ import annotations

from rest_framework.renderers import BrowsableAPIRenderer

from apps_admin import access
from apps_admin.models import Tenant


class PortalBrowsableAPIRenderer(BrowsableAPIRenderer):
    def show_form_for_method(self, view, method, request, obj) -> bool:
        if not super().show_form_for_method(view, method, request, obj):
            return False
        if method == "PUT" and obj is None:
            # An update form is only shown filled with the app's current values: an empty form
            # would clear every field it is submitted with.
            return False
        needed = getattr(view, "roles", {}).get(method)
        tenant_id = view.kwargs.get("tenant_id") if getattr(view, "kwargs", None) else None
        if needed is None or tenant_id is None:
            return True
        # Only decides whether to draw a form; the request itself goes through access.tenant_for.
        tenant = Tenant.objects.filter(tenant_id=str(tenant_id).lower()).first()
        role = access.role_in(request.user, tenant) if tenant else None
        return role is not None and role.allows(needed)

    def get_filter_form(self, data, view, request):
        return None  # no filters: the lists are ECL's, not querysets
