"""The portal's URLs, plus the benchmark's floor: a page that costs what every page costs.

`/bench/floor/<tenant>/<app>/` goes through the same middleware, session login, access check and
one ECL call as the app's detail page, and renders nothing. Its time over the direct call is
Django's and gunicorn's share, which no template work can go below.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from apps_admin import ecl
from apps_admin.access import tenant_view
from apps_admin.models import Role, Tenant
from portal.urls import (  # noqa: F401  # the portal's error pages here too
    handler400,
    handler403,
    handler404,
    handler500,
)
from portal.urls import urlpatterns as portal_urlpatterns


@tenant_view(Role.VIEWER)
def floor(request: HttpRequest, tenant: Tenant, role: Role, app_id: str) -> HttpResponse:
    ecl.app_get(tenant, app_id)
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/floor/<str:tenant_id>/<str:app_id>/", floor),
    *portal_urlpatterns,
]
