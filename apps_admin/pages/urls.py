"""URLs of the portal's pages (mounted at the site's root, namespace `apps_admin`)."""

from django.urls import path

from apps_admin.accounts.oidc import views as oidc_views
from apps_admin.pages import (
    account,
    api_tokens,
    app_delete,
    app_detail,
    app_forms,
    apps_list,
    audit_log,
    bulk,
    home,
    second_factor,
    secret_key,
    usage,
)

app_name = "apps_admin"

TENANT = "tenants/<str:tenant_id>/"
APPS = TENANT + "apps/"
APP = APPS + "<str:app_id>/"

urlpatterns = [
    path("", home.home, name="home"),
    # A person's own account
    path("login/", oidc_views.PortalLoginView.as_view(), name="login"),
    path("logout/", oidc_views.PortalLogoutView.as_view(), name="logout"),
    path("oidc/start/", oidc_views.start, name="oidc_start"),
    path("oidc/callback/", oidc_views.callback, name="oidc_callback"),
    path("reauth/", account.reauthenticate, name="reauth"),
    path("resume/", account.resume, name="resume"),
    path("login/verify/", second_factor.verify, name="second_factor"),
    path("account/security/", second_factor.security, name="security"),
    path("account/passkeys/options/", second_factor.passkey_options, name="passkey_options"),
    path("account/tokens/", api_tokens.api_tokens, name="api_tokens"),
    # A tenant's apps
    path(APPS, apps_list.app_list, name="app_list"),
    path(APPS + "export.csv", apps_list.app_export, name="app_export"),
    path(APPS + "new/", app_forms.app_add, name="app_add"),
    path(APPS + "bulk/", bulk.bulk, name="bulk"),
    path(APP, app_detail.app_detail, name="app_detail"),
    path(APP + "edit/", app_forms.app_edit, name="app_edit"),
    path(APP + "status/", app_detail.app_status, name="app_status"),
    path(APP + "delete/", app_delete.app_delete, name="app_delete"),
    path(APP + "secretkey/", secret_key.reveal, name="secretkey_reveal"),
    path(APP + "secretkey/regenerate/", secret_key.regenerate, name="secretkey_regenerate"),
    # A tenant's usage and audit log
    path(TENANT + "usage/", usage.usage, name="usage"),
    path(TENANT + "usage/export.csv", usage.usage_export, name="usage_export"),
    path(TENANT + "audit/", audit_log.audit_log, name="audit"),
    path(TENANT + "audit/export.csv", audit_log.audit_export, name="audit_export"),
]
