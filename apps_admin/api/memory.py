"""Free a DRF response as soon as it is sent, not whenever the cyclic collector next runs.

A DRF Response refers to itself (`renderer_context["response"]`) and to its view, which refers
back to it (`view.response`). So every answer, a 10,000-app list's whole body included, outlives
its request until a full garbage collection, and in a gunicorn worker those come rarely: the
worker grew by one body per list request. Breaking both links once the body is rendered lets
reference counting free it when the server is done with it.
"""

from __future__ import annotations

from django.http import HttpResponseBase
from rest_framework.response import Response


def _unlink(response: Response) -> None:
    context = getattr(response, "renderer_context", None) or {}
    view = context.get("view")
    if getattr(view, "response", None) is response:
        view.response = None
    response.renderer_context = {}


class FreedOnceRendered:
    """Mixin for an APIView: its responses hold no reference cycle once rendered."""

    def finalize_response(self, request, response, *args, **kwargs) -> HttpResponseBase:
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response):
            response.add_post_render_callback(_unlink)
        return response
