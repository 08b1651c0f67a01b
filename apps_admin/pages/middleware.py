"""The page layer's middleware: a page answered 405 without a body says so in words."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from apps_admin.pages.error_pages import method_not_allowed


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
