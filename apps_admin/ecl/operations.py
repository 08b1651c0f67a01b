"""One function per ECL apps API operation, tenant first; callers never build URLs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apps_admin.ecl import errors
from apps_admin.ecl.client import call
from apps_admin.ecl.types import App, parse_app, parse_app_list, parse_secret_key

if TYPE_CHECKING:
    from apps_admin.models import Tenant

APPS = "/tenants/{tenant_id}/apps"
APP = "/tenants/{tenant_id}/apps/{app_id}"
SECRETKEY = "/tenants/{tenant_id}/apps/{app_id}/secretkey"


def app_list(tenant: Tenant, *, expand: bool = True, keep_raw: bool = False) -> list[App]:
    """Every app of the tenant; without `expand`, only id, apikey and description.

    `keep_raw` keeps each app's JSON object as ECL sent it in `App.raw` (the API answers with it);
    pages do without, which halves the memory a 10,000-app list holds.
    """
    params = {"expandApps": "true" if expand else "false"}
    body = call(tenant, "GET", APPS, params=params)
    return parse_app_list(body, expanded=expand, keep_raw=keep_raw)


def app_get(tenant: Tenant, app_id: str) -> App:
    return parse_app(call(tenant, "GET", APP, app_id=app_id))


def app_create(tenant: Tenant, fields: dict[str, Any]) -> App:
    """Create an app from request fields (description, domains, permissions, status, recording)."""
    return parse_app(call(tenant, "POST", APPS, body=fields))


def app_update(tenant: Tenant, app_id: str, fields: dict[str, Any]) -> App:
    """Change the fields given; send every field the caller edits (whether PUT replaces omitted
    fields is unconfirmed at ECL)."""
    return parse_app(call(tenant, "PUT", APP, app_id=app_id, body=fields))


def app_delete(tenant: Tenant, app_id: str) -> None:
    call(tenant, "DELETE", APP, app_id=app_id)


def secretkey_get(tenant: Tenant, app_id: str) -> str:
    return parse_secret_key(call(tenant, "GET", SECRETKEY, app_id=app_id))


def secretkey_renew(tenant: Tenant, app_id: str) -> str:
    """A new secret key; OutcomeUnknown when the answer was lost (the key may have changed)."""
    try:
        return parse_secret_key(call(tenant, "POST", SECRETKEY, app_id=app_id))
    except errors.BadUpstreamResponse as error:
        # The renewal was answered 200 but unreadably: it has most likely happened.
        raise errors.OutcomeUnknown(transaction_id=error.transaction_id) from None
