"""URLs of the portal's pages."""

from django.contrib.auth import views as auth_views
from django.urls import path

from apps_admin.views import home

app_name = "apps_admin"

urlpatterns = [
    path("", home.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="admin/login.html", extra_context={"title": "Log in"}
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
