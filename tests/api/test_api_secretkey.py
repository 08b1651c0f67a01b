"""`GET` / `POST /api/tenants/{tenant_id}/apps/{app_id}/secretkey`: reveal and renew."""

import pytest
from django.test import override_settings
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from apps_admin import ecl
from apps_admin.models import AuditEvent
from tests.helpers import login, token_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_throttle_history")]


def test_reveal_answers_ecls_secret_key(admin, secret_url, tenant):
    response = admin.get(secret_url)
    assert response.status_code == 200
    assert response.json() == {"secretkey": ecl.secretkey_get(tenant, "1000")}


def test_renew_answers_the_new_key_which_is_then_revealed(admin, secret_url):
    old = admin.get(secret_url).json()["secretkey"]
    response = admin.post(secret_url)
    assert response.status_code == 200
    new = response.json()["secretkey"]
    assert new != old
    assert admin.get(secret_url + "/").json() == {"secretkey": new}


@pytest.mark.parametrize("method", ["get", "post"])
def test_secret_key_answers_are_never_cached(admin, secret_url, method):
    response = getattr(admin, method)(secret_url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_a_refused_secret_key_call_is_not_cached_either(users, secret_url):
    response = token_client(users["editor"]).get(secret_url)
    assert response.status_code == 403
    assert "no-store" in response["Cache-Control"]


def test_reveal_and_renew_are_audited_without_the_key(admin, secret_url, users):
    secret = admin.get(secret_url).json()["secretkey"]
    renewed = admin.post(secret_url).json()["secretkey"]
    events = AuditEvent.objects.order_by("id")
    assert [(e.action, e.outcome, e.app_id) for e in events] == [
        ("secretkey.reveal", "ok", "1000"),
        ("secretkey.renew", "ok", "1000"),
    ]
    assert all(e.actor_username == users["admin"].username for e in events)
    for event in events:
        assert secret not in str(event.changes) and renewed not in str(event.changes)


def test_a_failed_renewal_is_audited_with_its_outcome(admin, tenant):
    response = admin.post(f"/api/tenants/{tenant.tenant_id}/apps/999999/secretkey")
    assert response.status_code == 404
    event = AuditEvent.objects.get(action="secretkey.renew")
    assert event.outcome == "AppNotFound"
    assert event.transaction_id


@pytest.mark.parametrize("actor", ["viewer", "editor"])
def test_below_admin_cannot_reveal_or_renew(users, secret_url, emulator, actor):
    client = token_client(users[actor])
    emulator.reset_stats()
    for method in ("get", "post"):
        response = getattr(client, method)(secret_url)
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    assert emulator.stats()["api_calls"] == 0


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_session_needs_a_recent_password_confirmation(users, secret_url, emulator, method):
    client = login(APIClient(), users["admin"])
    emulator.reset_stats()
    response = getattr(client, method)(secret_url)
    assert response.status_code == 403
    assert response.json()["code"] == "reauth_required"
    assert "/reauth/?next=" in response.json()["detail"]
    assert emulator.stats()["api_calls"] == 0


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_session_inside_the_reauthentication_window_may_use_secret_keys(
    users, secret_url, method
):
    client = login(APIClient(), users["admin"], reauthenticated=True)
    assert getattr(client, method)(secret_url).status_code == 200


def test_the_reauthentication_window_ends(users, secret_url):
    client = login(APIClient(), users["admin"], reauthenticated=True)
    with override_settings(REAUTH_WINDOW=0):
        assert client.get(secret_url).json()["code"] == "reauth_required"


def test_a_token_needs_no_password_confirmation(admin, secret_url):
    assert admin.get(secret_url).status_code == 200


def test_a_superuser_may_reveal_with_a_token(users, secret_url):
    assert token_client(users["superuser"]).get(secret_url).status_code == 200


def throttle_rates(rate: str) -> dict:
    return {**api_settings.user_settings, "DEFAULT_THROTTLE_RATES": {"secretkey": rate}}


def test_secret_key_calls_are_throttled_per_user(admin, secret_url, users, emulator):
    with override_settings(REST_FRAMEWORK=throttle_rates("3/min")):
        assert [admin.get(secret_url).status_code for _ in range(3)] == [200, 200, 200]
        emulator.reset_stats()
        response = admin.post(secret_url)
        assert response.status_code == 429
        assert response.json()["code"] == "throttled"
        assert int(response["Retry-After"]) > 0
        assert emulator.stats()["api_calls"] == 0
        # Another person has their own allowance.
        assert token_client(users["superuser"]).get(secret_url).status_code == 200


def test_other_endpoints_are_not_throttled(admin, tenant):
    with override_settings(REST_FRAMEWORK=throttle_rates("1/min")):
        statuses = {
            admin.get(f"/api/tenants/{tenant.tenant_id}/apps").status_code for _ in range(3)
        }
        assert statuses == {200}


def test_the_reveal_page_of_the_browsable_api_shows_no_form_with_the_key(users, secret_url):
    client = login(APIClient(), users["admin"], reauthenticated=True)
    response = client.get(secret_url, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = token_client(users["admin"]).get(secret_url).json()["secretkey"]
    page = response.content.decode()
    # The answer itself shows the key; no form field is ever filled with it.
    assert 'value="' + secret not in page
    assert page.count(secret) == 1
