"""The portal's URLs: Django admin, health check, and the apps_admin pages."""

from django.contrib import admin
from django.urls import include, path

from apps_admin import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the header's language switch
    path("api/", include("apps_admin.api.urls")),
    path("", include("apps_admin.pages.urls")),
]
