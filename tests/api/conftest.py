"""Fixtures of the API tests: callers by role, the endpoints' URLs, ECL read straight."""

import pytest
import requests
from django.core.cache import cache
from rest_framework.test import APIClient

from ecl_emulator.testing import issue_token
from tests.helpers import token_client


@pytest.fixture
def editor(users) -> APIClient:
    """An API client with a token of the tenant's editor."""
    return token_client(users["editor"])


@pytest.fixture
def admin(users) -> APIClient:
    """An API client with a token of the tenant's admin."""
    return token_client(users["admin"])


@pytest.fixture
def apps_url(tenant) -> str:
    return f"/api/tenants/{tenant.tenant_id}/apps"


@pytest.fixture
def app_url(apps_url) -> str:
    return f"{apps_url}/1000"


@pytest.fixture
def secret_url(app_url) -> str:
    return f"{app_url}/secretkey"


@pytest.fixture
def at_ecl(emulator_server, ecl_tenant):
    """GET from the emulator's apps API straight, with a Keystone token, to compare with the
    portal's answer: `at_ecl()` is the list, `at_ecl("/1000")` an app, `at_ecl("?expandApps")`."""
    token = issue_token(
        emulator_server.identity_url,
        ecl_tenant["tenant_id"],
        ecl_tenant["api_key"],
        ecl_tenant["api_secret"],
    )

    def get(path: str = "") -> requests.Response:
        return requests.get(
            f"{emulator_server.api_url}/tenants/{ecl_tenant['tenant_id']}/apps{path}",
            headers={"X-Auth-Token": token},
            timeout=10,
        )

    return get


@pytest.fixture
def no_throttle_history(users):
    """Throttle counters live in the cache, which outlives a test's database rows: the named
    users' secret-key counters are cleared before and after. Modules that call the secret-key
    endpoints use it (`pytest.mark.usefixtures`)."""
    keys = [f"throttle_secretkey_{user.pk}" for user in users.values() if user is not None]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)
