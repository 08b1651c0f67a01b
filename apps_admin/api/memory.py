"""Free a DRF response as soon as it is sent, not whenever the cyclic collector next runs.

A DRF Response refers to itself (`renderer_context["response"]`) and to its view, which refers
back to it (`view.response`). So every answer, a 10,000-app list's whole body included, outlives
its request until a full garbage collection, and in a gunicorn worker those come rarely: the
worker grew by one body per list request. Breaking both links once the body is rendered lets
reference counting free it when the server is done with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework.request import Request
from rest_framework.response import Response

if TYPE_CHECKING:
    from rest_framework.views import APIView as _Mixed  # what this mixin is mixed into
else:
    _Mixed = object


def _unlink(response: Response) -> None:
    context = getattr(response, "renderer_context", None) or {}
    view = context.get("view")
    if view is not None and getattr(view, "response", None) is response:
        view.response = None
    response.renderer_context = {}  # type: ignore[attr-defined]  # set by DRF, not in its stubs


class FreedOnceRendered(_Mixed):
    """Mixin for an APIView: its responses hold no reference cycle once rendered."""

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response):
            response.add_post_render_callback(_unlink)
        return response
