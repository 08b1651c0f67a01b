"""The portal's URLs and a few views that meet a database failure, for
test_database_outage.py: each view runs `Scenario.step` on every call, which the test sets."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.urls import (  # noqa: F401  # the error pages of the site
    handler400,
    handler403,
    handler404,
    handler500,
)
from portal.urls import urlpatterns as portal_urlpatterns


class Scenario:
    """What the views do on their n-th call (n from 1); `calls` counts them."""

    calls = 0
    step: Callable[[int], None] = staticmethod(lambda n: None)

    @classmethod
    def reset(cls, step: Callable[[int], None]) -> None:
        cls.calls, cls.step = 0, staticmethod(step)

    @classmethod
    def run(cls) -> int:
        cls.calls += 1
        cls.step(cls.calls)
        return cls.calls


def page(request: HttpRequest) -> HttpResponse:
    calls = Scenario.run()
    return HttpResponse(f"The page, at call {calls}")


class Api(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request):
        return Response({"calls": Scenario.run()})

    def post(self, request):
        return Response({"calls": Scenario.run()})


urlpatterns = [
    path("test-outage/", page),
    path("api/test-outage", Api.as_view()),
    *portal_urlpatterns,
]
