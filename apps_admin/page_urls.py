"""URLs of the apps pages (list, detail, forms, secret key, usage)."""

from django.urls import path

from apps_admin.views import app_delete, app_detail, app_forms, apps_list, bulk, secret_key, usage

APPS = "tenants/<str:tenant_id>/apps/"
APP = APPS + "<str:app_id>/"

urlpatterns = [
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
    path("tenants/<str:tenant_id>/usage/", usage.usage, name="usage"),
    path("tenants/<str:tenant_id>/usage/export.csv", usage.usage_export, name="usage_export"),
]
