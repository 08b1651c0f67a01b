"""Every state-changing page and endpoint refuses a session request without a CSRF token, and
the POST-only ones refuse GET."""

import json

import pytest
from django.test import Client

from tests.helpers import PASSWORD, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict_client(users, tenant):
    client = Client(enforce_csrf_checks=True)
    return login(client, users["superuser"], reauthenticated=True)


def changing_pages(tenant_id: str, app_id: str) -> list[str]:
    apps = f"/tenants/{tenant_id}/apps/"
    app = f"{apps}{app_id}/"
    return [
        f"{apps}new/",
        f"{apps}bulk/",
        f"{app}edit/",
        f"{app}status/",
        f"{app}delete/",
        f"{app}secretkey/",
        f"{app}secretkey/regenerate/",
        "/reauth/",
        "/logout/",
        "/account/tokens/",
    ]


def test_every_changing_page_refuses_a_post_without_a_csrf_token(strict_client, tenant, emulator):
    emulator.reset_stats()
    for path in changing_pages(tenant.tenant_id, "1000"):
        response = strict_client.post(path, {"password": PASSWORD, "action": "create"})
        assert response.status_code == 403, path
    assert emulator.stats()["api_calls"] == 0


@pytest.mark.parametrize("suffix", ["bulk/", "1000/status/"])
def test_post_only_pages_refuse_get(client_as, tenant, suffix):
    response = client_as("superuser").get(f"/tenants/{tenant.tenant_id}/apps/{suffix}")
    assert response.status_code == 405


def test_logout_refuses_get(client_as):
    assert client_as("viewer").get("/logout/").status_code == 405


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/tenants/{t}/apps"),
        ("put", "/api/tenants/{t}/apps/1000"),
        ("delete", "/api/tenants/{t}/apps/1000"),
        ("post", "/api/tenants/{t}/apps/1000/secretkey"),
    ],
)
def test_session_api_calls_that_change_something_need_a_csrf_token(
    strict_client, tenant, emulator, method, path
):
    emulator.reset_stats()
    response = getattr(strict_client, method)(
        path.format(t=tenant.tenant_id),
        data=json.dumps({"description": "x"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert emulator.stats()["api_calls"] == 0
