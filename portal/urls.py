"""The portal's URLs: Django admin, health check, and the apps_admin pages."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from apps_admin import health


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico whatever a page's <link rel="icon"> says."""
    return HttpResponsePermanentRedirect(static("apps_admin/favicon.svg"))


# The site's error pages, inside the portal and in the person's language.
handler400 = "apps_admin.pages.error_pages.bad_request"
handler403 = "apps_admin.pages.error_pages.permission_denied"
handler404 = "apps_admin.pages.error_pages.page_not_found"
handler500 = "apps_admin.pages.error_pages.server_error"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the header's language switch
    path("api/", include("apps_admin.api.urls")),
    path("", include("apps_admin.pages.urls")),
]
