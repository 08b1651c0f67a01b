"""A script written for ECL keeps working against the portal with a new base URL and token.

`ECLAppsClient` is written from the ECL reference page alone (requests, `X-Auth-Token`, the seven
operations). The same sequence runs against the emulator with a Keystone token on one empty
tenant, then through the portal (a live server) with a portal token on another empty tenant; the
results are the same once what differs by nature (API keys, timestamps, secret values) is set
aside.
"""

from typing import Any

import pytest
import requests

from apps_admin.models import Membership
from ecl_emulator.testing import issue_token
from tests.helpers import make_tenant, token_for


class ECLAppsClient:
    """The ECL apps API, as its reference page describes it."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update({"X-Auth-Token": token, "Content-Type": "application/json"})

    def _call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        response = self.session.request(
            method, self.base_url + path, timeout=30, allow_redirects=False, **kwargs
        )
        return response.status_code, response.json()

    def list_apps(self, tenant_id: str, *, expand: bool = False) -> tuple[int, Any]:
        params = {"expandApps": "true"} if expand else None
        return self._call("GET", f"/tenants/{tenant_id}/apps", params=params)

    def create_app(self, tenant_id: str, **fields: Any) -> tuple[int, Any]:
        return self._call("POST", f"/tenants/{tenant_id}/apps", json=fields)

    def get_app(self, tenant_id: str, app_id: Any) -> tuple[int, Any]:
        return self._call("GET", f"/tenants/{tenant_id}/apps/{app_id}")

    def update_app(self, tenant_id: str, app_id: Any, **fields: Any) -> tuple[int, Any]:
        return self._call("PUT", f"/tenants/{tenant_id}/apps/{app_id}", json=fields)

    def delete_app(self, tenant_id: str, app_id: Any) -> tuple[int, Any]:
        return self._call("DELETE", f"/tenants/{tenant_id}/apps/{app_id}")

    def get_secret_key(self, tenant_id: str, app_id: Any) -> tuple[int, Any]:
        return self._call("GET", f"/tenants/{tenant_id}/apps/{app_id}/secretkey")

    def renew_secret_key(self, tenant_id: str, app_id: Any) -> tuple[int, Any]:
        return self._call("POST", f"/tenants/{tenant_id}/apps/{app_id}/secretkey")


VARYING = {"apikey", "created_at", "updated_at"}


def same_by_nature(body: Any) -> Any:
    """The body without what two tenants can never share (API keys, timestamps)."""
    if isinstance(body, list):
        return [same_by_nature(item) for item in body]
    if isinstance(body, dict):
        return {key: value for key, value in body.items() if key not in VARYING}
    return body


def run_sequence(client: ECLAppsClient, tenant_id: str) -> list[tuple]:
    """Create, list, get, update, reveal, renew, delete: each step's status and result."""
    results = []
    status, app = client.create_app(
        tenant_id,
        description="Compatibility check",
        domains=["localhost", "app.example.com"],
        permissions=["TURN", "SFU"],
    )
    results.append(("create", status, same_by_nature(app), type(app["id"]).__name__))
    app_id = app["id"]

    status, short = client.list_apps(tenant_id)
    results.append(("list", status, same_by_nature(short)))
    status, full = client.list_apps(tenant_id, expand=True)
    results.append(("list expanded", status, same_by_nature(full)))

    status, got = client.get_app(tenant_id, app_id)
    results.append(("get", status, same_by_nature(got), got["apikey"] == app["apikey"]))

    status, updated = client.update_app(
        tenant_id,
        app_id,
        description="Compatibility check, updated",
        status="suspended",
        permissions=["USER_LIST"],
    )
    results.append(("update", status, same_by_nature(updated)))

    status, revealed = client.get_secret_key(tenant_id, app_id)
    results.append(("reveal", status, sorted(revealed), isinstance(revealed["secretkey"], str)))
    status, renewed = client.renew_secret_key(tenant_id, app_id)
    changed = renewed["secretkey"] != revealed["secretkey"]
    results.append(("renew", status, sorted(renewed), changed))
    status, again = client.get_secret_key(tenant_id, app_id)
    results.append(("reveal after renew", status, again == renewed))

    status, deleted = client.delete_app(tenant_id, app_id)
    results.append(("delete", status, deleted))
    status, remaining = client.list_apps(tenant_id)
    results.append(("list after delete", status, remaining))
    return results


@pytest.fixture
def ecl_results(emulator, emulator_server) -> list[tuple]:
    credentials = emulator.create_tenant(apps=0)
    token = issue_token(
        emulator_server.identity_url,
        credentials["tenant_id"],
        credentials["api_key"],
        credentials["api_secret"],
    )
    return run_sequence(ECLAppsClient(emulator_server.api_url, token), credentials["tenant_id"])


@pytest.mark.slow  # starts a live server
def test_an_ecl_script_gets_the_same_results_from_the_portal(
    ecl_results, emulator, emulator_server, live_server, django_user_model
):
    credentials = emulator.create_tenant(apps=0)
    tenant = make_tenant(emulator_server, credentials, name="Compat")
    scripter = django_user_model.objects.create_user("scripter", password="x-unused-Pa55word")
    Membership.objects.create(user=scripter, tenant=tenant, role="admin")
    portal_token = token_for(scripter)

    portal = ECLAppsClient(live_server.url + "/api", portal_token)
    portal_results = run_sequence(portal, credentials["tenant_id"])

    assert portal_results == ecl_results
    # And the sequence did what it says, at both.
    assert [step[1] for step in ecl_results] == [200] * len(ecl_results)
    assert ecl_results[0][3] == "int"  # ids exactly as ECL gives them
    assert ecl_results[-2] == ("delete", 200, {})
