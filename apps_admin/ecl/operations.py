"""One function per ECL apps API operation, tenant first; callers never build URLs.

Each `*_answer` variant also returns ECL's JSON body exactly as sent, checked: the REST API
answers with it instead of encoding the typed value again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apps_admin.ecl.client import call
from apps_admin.ecl.types import Answer, App, AppSummary, SecretKey

if TYPE_CHECKING:
    from apps_admin.models import Tenant

APPS = "/tenants/{tenant_id}/apps"
APP = "/tenants/{tenant_id}/apps/{app_id}"
SECRETKEY = "/tenants/{tenant_id}/apps/{app_id}/secretkey"


def app_list_answer(tenant: Tenant, *, expand: bool = True) -> Answer[list[App]]:
    """Every app of the tenant; without `expand`, only id, apikey and description (AppSummary)."""
    params = {"expandApps": "true" if expand else "false"}
    return call(tenant, "GET", APPS, params=params, into=list[App if expand else AppSummary])


def app_list(tenant: Tenant, *, expand: bool = True) -> list[App]:
    return app_list_answer(tenant, expand=expand).value


def app_get_answer(tenant: Tenant, app_id: str) -> Answer[App]:
    return call(tenant, "GET", APP, app_id=app_id, into=App)


def app_get(tenant: Tenant, app_id: str) -> App:
    return app_get_answer(tenant, app_id).value


def app_create_answer(tenant: Tenant, fields: dict[str, Any]) -> Answer[App]:
    """Create an app from request fields (description, domains, permissions, status, recording)."""
    return call(tenant, "POST", APPS, body=fields, into=App)


def app_create(tenant: Tenant, fields: dict[str, Any]) -> App:
    return app_create_answer(tenant, fields).value


def app_update_answer(tenant: Tenant, app_id: str, fields: dict[str, Any]) -> Answer[App | None]:
    """Change the fields given and only those (PUT leaves the others as they are). The value is
    None when ECL's 2xx carried no readable app."""
    return call(tenant, "PUT", APP, app_id=app_id, body=fields, into=App)


def app_update(tenant: Tenant, app_id: str, fields: dict[str, Any]) -> App | None:
    return app_update_answer(tenant, app_id, fields).value


def app_delete_answer(tenant: Tenant, app_id: str) -> Answer[None]:
    """Any 2xx, with or without a body, is done."""
    return call(tenant, "DELETE", APP, app_id=app_id)


def app_delete(tenant: Tenant, app_id: str) -> None:
    app_delete_answer(tenant, app_id)


def secretkey_get(tenant: Tenant, app_id: str) -> str:
    return call(tenant, "GET", SECRETKEY, app_id=app_id, into=SecretKey).value.secretkey


def secretkey_renew(tenant: Tenant, app_id: str) -> str:
    """A new secret key; OutcomeUnknown when the answer was lost or unreadable (the key may have
    changed)."""
    return call(tenant, "POST", SECRETKEY, app_id=app_id, into=SecretKey).value.secretkey
