"""Renderers: fast JSON, and the browsable API showing each form only to whom may use it."""

from __future__ import annotations

import msgspec
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer

from apps_admin import access
from apps_admin.models import Tenant

# The browsable API shows at most this many apps of a list as HTML: a 10,000-app tenant's whole
# list is megabytes of markup that leaves a browser tab unresponsive; JSON carries all of it.
SHOWN_IN_HTML = 200


class PortalBrowsableAPIRenderer(BrowsableAPIRenderer):
    truncated: tuple[int, int] | None = None  # (shown, total) when a list was cut for HTML

    def get_content(self, renderer, data, accepted_media_type, renderer_context):
        if isinstance(data, EncodedJSON) and data.body.lstrip()[:1] in (b"[", b"{"):
            data = self._cut(msgspec.json.decode(data.body))
        return super().get_content(renderer, data, accepted_media_type, renderer_context)

    def _cut(self, data):
        """A list, or the `apps` of an object (the usage history), cut to SHOWN_IN_HTML items."""
        items = data.get("apps") if isinstance(data, dict) else data
        if not isinstance(items, list) or len(items) <= SHOWN_IN_HTML:
            return data
        self.truncated = (SHOWN_IN_HTML, len(items))
        if isinstance(data, dict):
            return {**data, "apps": items[:SHOWN_IN_HTML]}
        return items[:SHOWN_IN_HTML]

    def get_context(self, data, accepted_media_type, renderer_context):
        context = super().get_context(data, accepted_media_type, renderer_context)
        context["truncated"] = self.truncated
        request = renderer_context["request"]
        query = request.query_params.copy()
        query["format"] = "json"
        context["whole_as_json"] = f"{request.path}?{query.urlencode()}"
        return context

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


class EncodedJSON:
    """A body that is JSON already (ECL's answer, checked): FastJSONRenderer sends it as is.
    `serializer` fills the browsable API's form, as DRF's ReturnDict would."""

    __slots__ = ("body", "serializer")

    def __init__(self, body: bytes, serializer=None) -> None:
        self.body = body
        self.serializer = serializer


class FastJSONRenderer(JSONRenderer):
    """DRF's JSON renderer, with msgspec (the project's one JSON library on the hot paths) doing
    the work, and an EncodedJSON body sent as it is. Indented output (asked for with
    `; indent=N`, as the browsable API does) stays with DRF's renderer."""

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        indent = self.get_indent(accepted_media_type, renderer_context or {})
        if isinstance(data, EncodedJSON):
            if not indent:
                return data.body
            data = msgspec.json.decode(data.body)
        if indent:
            return super().render(data, accepted_media_type, renderer_context)
        # `enc_hook=str` turns lazy translations and the like into text, as DRF's encoder does.
        return msgspec.json.encode(data, enc_hook=str)
