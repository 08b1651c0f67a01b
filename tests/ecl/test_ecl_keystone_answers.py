"""Keystone's answers that can never give a token are the tenant's settings to fix, said so and
remembered a short while; a token whose expiry cannot be read is kept a short documented time."""

import logging

import pytest
from django.core.cache import cache

from apps_admin import ecl
from apps_admin.ecl import tokens
from tests.helpers import token_client

pytestmark = pytest.mark.django_db

WRONG = {
    "300": ("300", "it answered HTTP 300 instead of a token; the URL must end in /v3"),
    "201 without X-Subject-Token": (
        "no_token_header",
        "it answered HTTP 201 without a token (no X-Subject-Token header)",
    ),
    "404 on the token path": (None, "it has no token service there (HTTP 404)"),
}


@pytest.fixture
def wrong(request, tenant, emulator):
    answer, words = WRONG[request.param]
    if answer is None:  # an identity URL that is no Keystone's: the emulator has no such path
        tenant.identity_url = tenant.identity_url.removesuffix("/v3") + "/identity/v3"
        tenant.save()
    else:
        emulator.set_config(keystone_answer=answer)
    return words


@pytest.mark.parametrize("wrong", WRONG, indirect=True)
def test_an_answer_that_can_never_give_a_token_is_the_tenants_settings(wrong, tenant, emulator):
    with pytest.raises(ecl.TenantMisconfigured) as raised:
        ecl.app_list(tenant)
    error = raised.value
    assert isinstance(error, ecl.IdentityUnusable) and error.tenant_settings
    assert not error.retry and wrong in str(error)
    assert "A portal administrator must fix the tenant's ECL settings." in str(error)


@pytest.mark.parametrize("wrong", WRONG, indirect=True)
def test_a_superuser_is_sent_to_the_tenant_and_others_to_an_administrator(
    wrong, client_as, client, tenant, users
):
    response = client_as("superuser").get(f"/tenants/{tenant.tenant_id}/apps/")
    assert response.status_code == 502
    html = response.content.decode()
    assert "This tenant&#x27;s settings cannot be used" in html and wrong in html
    assert f'href="/admin/apps_admin/tenant/{tenant.pk}/change/"' in html
    assert "Retry" not in html  # trying again never helps
    client.logout()
    html = client_as("viewer").get(f"/tenants/{tenant.tenant_id}/apps/").content.decode()
    assert "ECL settings need a portal administrator" in html
    assert "/admin/apps_admin/tenant/" not in html
    answer = token_client(users["viewer"]).get(f"/api/tenants/{tenant.tenant_id}/apps")
    assert (answer.status_code, answer.json()["code"]) == (502, "tenant_misconfigured")
    assert wrong in answer.json()["detail"]


@pytest.mark.parametrize("wrong", ["300", "201 without X-Subject-Token"], indirect=True)
def test_the_wrong_answer_is_remembered_like_a_credentials_refusal(wrong, tenant, emulator):
    for _ in range(3):
        with pytest.raises(ecl.IdentityUnusable) as raised:
            ecl.app_list(tenant)
        assert wrong in str(raised.value)  # its words survive being remembered
    assert emulator.stats()["auth_calls"] == 1
    cache.delete(tokens.cache_key(tenant) + ":failed")  # FAILURE_MEMORY seconds later
    emulator.set_config(keystone_answer="contract")  # the settings were fixed
    assert len(ecl.app_list(tenant)) == 3


def test_a_token_without_a_readable_expiry_is_kept_a_short_time(tenant, emulator, caplog):
    emulator.set_config(keystone_answer="unreadable_expiry")
    caplog.set_level(logging.WARNING, logger="apps_admin.ecl")
    for _ in range(3):
        ecl.app_list(tenant)
    assert emulator.stats()["auth_calls"] == 1
    token = cache.get(tokens.cache_key(tenant))
    kept = token.expires_at - tokens.time.time() - tokens.settings.ECL_TOKEN_MARGIN
    assert tokens.UNKNOWN_EXPIRY_KEPT - 5 < kept <= tokens.UNKNOWN_EXPIRY_KEPT
    assert any("without a readable expires_at" in r.getMessage() for r in caplog.records)


def test_a_kept_token_the_apps_api_refuses_is_replaced_once(tenant, emulator):
    emulator.set_config(keystone_answer="unreadable_expiry")
    ecl.app_list(tenant)
    emulator.revoke_tokens()  # it ran out sooner than the portal guessed
    assert len(ecl.app_list(tenant)) == 3
    assert emulator.stats()["auth_calls"] == 2
