"""The page layer's middleware: a page answered 405 without a body says so in words, and a
missing page is the portal's 404 page even in debug mode."""

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse

from apps_admin.pages.error_pages import method_not_allowed, page_not_found


class MethodNotAllowedPageMiddleware:
    """`require_http_methods` answers 405 with an empty body: a page gets one that says what
    happened and what to do. The API answers in its own JSON shape and is left alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or response.content or request.path.startswith("/api/"):
            return response
        return method_not_allowed(request, response.get("Allow", ""))


class NotFoundPageInDebugMiddleware:
    """With DEBUG on (`make run`), Django answers a missing page with its English technical page
    for developers; people trying the portal get the portal's own 404 page instead, in their
    language. The API answers in its own JSON shape and is left alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # No URL matched (a view that ran has set `resolver_match`): the technical page.
        if (
            settings.DEBUG
            and response.status_code == 404
            and getattr(request, "resolver_match", None) is None
            and not request.path.startswith("/api/")
        ):
            return page_not_found(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if settings.DEBUG and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None
