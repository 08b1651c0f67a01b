"""Where a tenant's ECL secret and tokens may go: ECL's own hosts or an allowed origin, over https
unless the origin is listed with http, with no user info, query or fragment; a changed URL needs
the secret again, and the token cache tells one place from another."""

import pytest
from django.test import override_settings

from apps_admin import endpoints
from apps_admin.ecl import tokens
from apps_admin.models import Tenant

pytestmark = pytest.mark.django_db

TENANT_ID = "0123456789abcdef0123456789abcdef"
NO_MEMBERSHIPS = {"memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"}
ALLOWED = ["http://127.0.0.1:8001", "https://ecl-proxy.example.com:*"]


@override_settings(ECL_ALLOWED_ENDPOINTS=ALLOWED)
@pytest.mark.parametrize(
    "url",
    [
        "https://keystone-jp1-ecl.api.ntt.com/v3",
        "https://webrtc-uk1-ecl.api.ntt.com",
        "http://127.0.0.1:8001/v3",
        "https://ecl-proxy.example.com:9443/v3",
        "https://ecl-proxy.example.com/v3",
    ],
)
def test_ecls_hosts_and_listed_origins_are_allowed(url):
    assert endpoints.problem(url) is None


@override_settings(ECL_ALLOWED_ENDPOINTS=ALLOWED)
@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:8002/v3", "Plain http"),  # another port of a listed host
        ("http://127.0.0.1/v3", "Plain http"),
        ("https://127.0.0.1:8001/v3", "Only ECL's own hosts"),  # listed with http only
        ("http://localhost:8001/v3", "Plain http"),
        ("https://169.254.169.254/latest/meta-data", "Only ECL's own hosts"),  # link-local
        ("https://[::1]:8001/v3", "Only ECL's own hosts"),
        ("https://evil.example.com/v3", "Only ECL's own hosts"),
        ("https://keystone-jp1-ecl.api.ntt.com.evil.example/v3", "Only ECL's own hosts"),
        ("https://x.keystone-jp1-ecl.api.ntt.com/v3", "Only ECL's own hosts"),
        ("http://keystone-jp1-ecl.api.ntt.com/v3", "Plain http"),
        ("https://keystone-jp1-ecl.api.ntt.com/v3#@evil.example", "fragment"),
        ("https://evil.example/?https://keystone-jp1-ecl.api.ntt.com/v3", "query"),
        ("https://keystone-jp1-ecl.api.ntt.com/v3?x=1", "query"),
        ("https://user:pw@keystone-jp1-ecl.api.ntt.com/v3", "user name"),
        ("https://keystone-jp1-ecl.api.ntt.com@evil.example/v3", "user name"),
        ("ftp://keystone-jp1-ecl.api.ntt.com/v3", "https"),
        ("https://keystone-jp1-ecl.api.ntt.com:99999/v3", "valid URL"),
    ],
)
def test_anything_else_is_refused_with_the_reason(url, why):
    assert why in (endpoints.problem(url) or "")


def form(**overrides) -> dict:
    return {
        "name": "Acme",
        "tenant_id": TENANT_ID,
        "region": "jp1",
        "identity_url": "",
        "api_url": "",
        "api_key": "key",
        "api_secret": "",
        **NO_MEMBERSHIPS,
        **overrides,
    }


@pytest.fixture
def saved() -> Tenant:
    tenant = Tenant(name="Acme", tenant_id=TENANT_ID, region="jp1", api_key="key")
    tenant.set_api_secret("the-old-secret")
    tenant.save()
    return tenant


@override_settings(ECL_ALLOWED_ENDPOINTS=[])
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8001/v3",
        "https://169.254.169.254/v3",
        "https://keystone-jp1-ecl.api.ntt.com/v3#x",
        "https://keystone-jp1-ecl.api.ntt.com/v3?x",
    ],
)
def test_admin_refuses_a_url_that_is_not_allowed_even_with_the_secret(admin_client, saved, url):
    path = f"/admin/apps_admin/tenant/{saved.pk}/change/"
    response = admin_client.post(path, form(identity_url=url, api_secret="new-secret"))
    assert response.status_code == 200
    saved.refresh_from_db()
    assert saved.identity_url == "" and saved.api_secret == "the-old-secret"


@override_settings(ECL_ALLOWED_ENDPOINTS=["https://ecl-proxy.example.com:*"])
@pytest.mark.parametrize("field", ["identity_url", "api_url", "region"])
def test_moving_a_tenant_needs_its_secret_again(admin_client, saved, field):
    path = f"/admin/apps_admin/tenant/{saved.pk}/change/"
    value = "uk1" if field == "region" else "https://ecl-proxy.example.com/v3"
    response = admin_client.post(path, form(**{field: value}))
    assert response.status_code == 200
    assert b"enter its ECL API secret key again" in response.content
    saved.refresh_from_db()
    assert getattr(saved, field) != value
    response = admin_client.post(path, form(**{field: value, "api_secret": "typed-again"}))
    assert response.status_code == 302
    saved.refresh_from_db()
    assert getattr(saved, field) == value and saved.api_secret == "typed-again"


def test_renaming_a_tenant_needs_no_secret(admin_client, saved):
    path = f"/admin/apps_admin/tenant/{saved.pk}/change/"
    assert admin_client.post(path, form(name="Acme 2")).status_code == 302


def test_the_token_cache_key_tells_every_place_apart(saved):
    other_api = Tenant(**{f.name: getattr(saved, f.name) for f in Tenant._meta.concrete_fields})
    other_api.api_url = "https://ecl-proxy.example.com"
    other_identity = Tenant(
        **{f.name: getattr(saved, f.name) for f in Tenant._meta.concrete_fields}
    )
    other_identity.identity_url = "https://ecl-proxy.example.com/v3"
    keys = {tokens.cache_key(t) for t in (saved, other_api, other_identity)}
    assert len(keys) == 3


def test_a_tenant_no_longer_allowed_sends_nothing(client_as, tenant, emulator):
    emulator.reset_stats()
    with override_settings(ECL_ALLOWED_ENDPOINTS=[]):
        response = client_as("viewer").get(f"/tenants/{tenant.tenant_id}/apps/")
    assert response.status_code == 502
    assert "settings cannot be used" in response.content.decode()
    assert emulator.stats()["auth_calls"] == 0 and emulator.stats()["api_calls"] == 0


def test_tenant_add_refuses_a_url_that_is_not_allowed(monkeypatch):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    monkeypatch.setenv("ECL_API_SECRET", "s")
    with override_settings(ECL_ALLOWED_ENDPOINTS=[]), pytest.raises(CommandError, match="http"):
        call_command(
            "tenant_add",
            "--name=X",
            f"--tenant-id={TENANT_ID}",
            "--identity-url=http://127.0.0.1:8001/v3",
            "--api-url=http://127.0.0.1:8001",
            "--api-key=k",
        )
    assert not Tenant.objects.exists()
