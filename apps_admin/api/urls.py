"""URLs of the REST API, mounted at /api/: ECL's paths, each with or without a trailing slash."""

from django.http import JsonResponse
from django.urls import path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps_admin.api import views

# Any character but "/" and control characters (which no id has, and which databases refuse).
ID = r"[^/\x00-\x1f\x7f]+"


@csrf_exempt
def not_found(request, rest=""):
    """Unknown paths under /api answer in the API's error shape, not with an HTML page."""
    return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)


urlpatterns = [
    re_path(r"^$", views.ApiRoot.as_view(), name="api-root"),
    re_path(r"^tenants(?:/)?$", views.TenantList.as_view(), name="api-tenants"),
    re_path(rf"^tenants/(?P<tenant_id>{ID})/apps(?:/)?$", views.AppList.as_view(), name="api-apps"),
    re_path(
        rf"^tenants/(?P<tenant_id>{ID})/apps/(?P<app_id>{ID})(?:/)?$",
        views.AppDetail.as_view(),
        name="api-app",
    ),
    re_path(
        rf"^tenants/(?P<tenant_id>{ID})/apps/(?P<app_id>{ID})/secretkey(?:/)?$",
        views.SecretKey.as_view(),
        name="api-secretkey",
    ),
    re_path(
        rf"^tenants/(?P<tenant_id>{ID})/usage(?:/)?$",
        views.UsageHistory.as_view(),
        name="api-usage",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="rest_framework/swagger_ui.html"
        ),
        name="api-docs",
    ),
    re_path(r"^(?P<rest>[\s\S]*)$", not_found),  # a newline in the path too
]
