"""URLs of the portal's pages."""

from django.contrib.auth import views as auth_views
from django.urls import path
from django.utils.translation import gettext_lazy as _

from apps_admin import account_urls, page_urls
from apps_admin.views import account, audit_log, home

app_name = "apps_admin"

urlpatterns = [
    path("", home.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="admin/login.html", extra_context={"title": _("Log in")}
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("reauth/", account.reauthenticate, name="reauth"),
    path("tenants/<str:tenant_id>/audit/", audit_log.audit_log, name="audit"),
    *page_urls.urlpatterns,
    *account_urls.urlpatterns,
]
