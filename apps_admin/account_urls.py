"""URLs of a person's own account settings (spliced into apps_admin/urls.py)."""

from django.urls import path

from apps_admin.views import api_tokens

urlpatterns = [
    path("account/tokens/", api_tokens.api_tokens, name="api_tokens"),
]
