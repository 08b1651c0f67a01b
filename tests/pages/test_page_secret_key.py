"""Revealing and renewing a secret key: admins, after re-authentication, never cached, audited."""

import pytest
from django.test import override_settings

from apps_admin import ecl
from apps_admin.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def password_only(settings):
    """The password part of the confirmation; with the second factor (LOCAL_MFA's default
    asks admins for one) in tests/security/test_second_factor.py."""
    settings.LOCAL_MFA = "off"


SECRET_GET = "GET /tenants/{tenant_id}/apps/{app_id}/secretkey"
SECRET_POST = "POST /tenants/{tenant_id}/apps/{app_id}/secretkey"
LOST_RENEWAL = {"method": "POST", "path": "/secretkey$", "action": "reset", "when": "after"}


def reveal_url(tenant, app_id) -> str:
    return f"/tenants/{tenant.tenant_id}/apps/{app_id}/secretkey/"


def renew_url(tenant, app_id) -> str:
    return f"/tenants/{tenant.tenant_id}/apps/{app_id}/secretkey/regenerate/"


def calls(emulator, key: str) -> int:
    return emulator.stats()["calls"].get(key, 0)


@pytest.fixture
def admin(client_as):
    return client_as("admin", reauthenticated=True)


# --- Reveal ------------------------------------------------------------------------------------


def test_get_asks_for_confirmation_and_shows_no_secret(admin, tenant, app_id, emulator):
    emulator.reset_stats()
    response = admin.get(reveal_url(tenant, app_id))
    assert response.status_code == 200
    assert ">Reveal secret key</button>" in response.content.decode()
    assert emulator.stats()["api_calls"] == 0
    assert "no-store" in response["Cache-Control"]


def test_reveal_is_one_call_no_store_and_audited(admin, tenant, app_id, emulator):
    secret = ecl.secretkey_get(tenant, app_id)
    emulator.reset_stats()
    response = admin.post(reveal_url(tenant, app_id))
    assert response.status_code == 200
    assert emulator.stats()["api_calls"] == 1 and calls(emulator, SECRET_GET) == 1
    assert emulator.stats()["auth_calls"] == 0
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert secret in html
    assert 'class="secret-value"' in html and "Show secret key" in html
    assert 'aria-label="Copy secret key"' in html
    event = AuditEvent.objects.get(action="secretkey.reveal")
    assert event.outcome == "ok" and event.app_id == app_id
    assert secret not in str(event.changes) and secret not in event.transaction_id


def test_without_recent_password_reveal_asks_for_it_and_then_shows_the_key_at_once(
    client_as, tenant, app_id, emulator
):
    client = client_as("admin")
    emulator.reset_stats()
    # The app page's Reveal button: the password is asked for, on the page that names the app.
    response = client.post(reveal_url(tenant, app_id))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="password"' in html
    assert "Confirm your password to reveal the secret key of this app." in html
    assert f'<a href="/tenants/{tenant.tenant_id}/apps/{app_id}/">App {app_id}</a>' in html
    assert emulator.stats()["api_calls"] == 0
    # A wrong password: asked again, nothing revealed, nothing sent to ECL.
    wrong = client.post(reveal_url(tenant, app_id), {"password": "not-it"})
    assert wrong.status_code == 400 and "That password is not correct." in wrong.content.decode()
    assert emulator.stats()["api_calls"] == 0
    # The right one: this very POST shows the key.
    shown = client.post(reveal_url(tenant, app_id), {"password": "correct-horse-battery-staple"})
    assert shown.status_code == 200
    assert emulator.stats()["calls"]["GET /tenants/{tenant_id}/apps/{app_id}/secretkey"] == 1
    assert ecl.secretkey_get(tenant, app_id) in shown.content.decode()
    assert AuditEvent.objects.get(action="secretkey.reveal").outcome == "ok"


def test_the_secret_is_never_in_a_message_or_url(admin, tenant, app_id):
    secret = ecl.secretkey_get(tenant, app_id)
    response = admin.post(reveal_url(tenant, app_id))
    assert secret not in response.get("Location", "")
    assert all(secret not in str(c.value) for c in response.cookies.values())


def test_reveal_of_a_missing_app_is_a_404_page_and_audited(admin, tenant):
    response = admin.post(reveal_url(tenant, "99999"))
    assert response.status_code == 404
    assert AuditEvent.objects.get(action="secretkey.reveal").outcome == "AppNotFound"


@pytest.mark.slow  # waits out ECL's retries
def test_reveal_when_ecl_is_down_is_a_503_page(admin, tenant, app_id, emulator):
    emulator.set_faults(rules=[{"method": "GET", "path": "/secretkey$", "status": 503, "count": 3}])
    response = admin.post(reveal_url(tenant, app_id))
    assert response.status_code == 503
    assert AuditEvent.objects.get(action="secretkey.reveal").outcome == "UpstreamUnavailable"


@pytest.mark.slow  # waits out a hang
@override_settings(ECL_TIMEOUT=1, ECL_CONNECT_TIMEOUT=1, ECL_CALL_BUDGET=5)
def test_reveal_when_ecl_hangs_is_a_504_page(admin, tenant, app_id, emulator):
    emulator.set_faults(rules=[{"method": "GET", "path": "/secretkey$", "action": "hang"}])
    assert admin.post(reveal_url(tenant, app_id)).status_code == 504


def test_a_malformed_reveal_is_a_502_page(admin, tenant, app_id, emulator):
    emulator.set_faults(rules=[{"method": "GET", "path": "/secretkey$", "action": "malformed"}])
    assert admin.post(reveal_url(tenant, app_id)).status_code == 502


def test_reveal_in_a_suspended_tenant_is_a_403_page(admin, tenant, app_id, emulator):
    emulator.set_tenant_state(tenant.tenant_id, "suspended")
    assert admin.post(reveal_url(tenant, app_id)).status_code == 403


@pytest.mark.parametrize("actor", ["viewer", "editor"])
def test_below_admin_cannot_reveal_and_reaches_no_upstream(
    client_as, tenant, app_id, emulator, actor
):
    client = client_as(actor, reauthenticated=True)
    emulator.reset_stats()
    assert client.post(reveal_url(tenant, app_id)).status_code == 403
    assert client.get(reveal_url(tenant, app_id)).status_code == 403
    assert emulator.stats()["api_calls"] == 0 and emulator.stats()["auth_calls"] == 0


def test_reveal_refuses_other_methods(admin, tenant, app_id):
    assert admin.put(reveal_url(tenant, app_id)).status_code == 405


# --- Renew -------------------------------------------------------------------------------------


def test_regenerate_warns_and_asks_for_confirmation(admin, tenant, app_id, emulator):
    ecl.app_update_answer(tenant, app_id, {"permissions": ["PEER_AUTHENTICATION"]})
    before = ecl.secretkey_get(tenant, app_id)
    emulator.reset_stats()
    response = admin.get(renew_url(tenant, app_id))
    assert response.status_code == 200
    html = response.content.decode()
    assert "until it is redeployed" in html and "PEER_AUTHENTICATION on" in html
    assert ">Regenerate secret key</button>" in html
    assert calls(emulator, SECRET_POST) == 0
    assert ecl.secretkey_get(tenant, app_id) == before


def test_renewing_shows_the_new_key_once_no_store_and_audited(admin, tenant, app_id, emulator):
    before = ecl.secretkey_get(tenant, app_id)
    emulator.reset_stats()
    response = admin.post(renew_url(tenant, app_id))
    assert response.status_code == 200
    # The key in force is read first, so that a lost answer can be settled by reading it again.
    assert emulator.stats()["api_calls"] == 2 and calls(emulator, SECRET_POST) == 1
    assert "no-store" in response["Cache-Control"]
    after = ecl.secretkey_get(tenant, app_id)
    assert after != before
    html = response.content.decode()
    assert after in html and before not in html
    assert "was regenerated" in html
    assert AuditEvent.objects.get(action="secretkey.renew").outcome == "ok"


def test_a_renewal_whose_answer_is_lost_shows_the_key_read_back(admin, tenant, app_id, emulator):
    before = ecl.secretkey_get(tenant, app_id)
    emulator.set_faults(rules=[LOST_RENEWAL])
    response = admin.post(renew_url(tenant, app_id))
    assert response.status_code == 200
    after = ecl.secretkey_get(tenant, app_id)
    html = response.content.decode()
    assert after != before and after in html and before not in html
    assert "was regenerated" in html
    assert calls(emulator, SECRET_POST) == 1  # never sent twice
    assert AuditEvent.objects.get(action="secretkey.renew").outcome == "settled_done"


def test_an_outcome_unknown_renewal_says_so_and_offers_to_reveal(admin, tenant, app_id, emulator):
    emulator.set_faults(
        rules=[
            {"method": "GET", "path": "/secretkey$", "action": "hold", "hold_ms": 1},
            LOST_RENEWAL,
            {"method": "GET", "path": "/secretkey$", "status": 500, "count": 5},
        ]
    )
    response = admin.post(renew_url(tenant, app_id))
    assert response.status_code == 502
    html = response.content.decode()
    assert "may or may not have been regenerated" in html
    assert f'action="{reveal_url(tenant, app_id)}"' in html
    assert ">Reveal secret key</button>" in html
    assert calls(emulator, SECRET_POST) == 1  # never sent twice
    assert AuditEvent.objects.get(action="secretkey.renew").outcome == "unknown"
    emulator.clear_faults()
    # The offered reveal shows the key in force.
    revealed = admin.post(reveal_url(tenant, app_id))
    assert ecl.secretkey_get(tenant, app_id) in revealed.content.decode()


def test_renewal_answered_503_before_it_was_made_is_a_503_page(admin, tenant, app_id, emulator):
    before = ecl.secretkey_get(tenant, app_id)
    emulator.set_faults(rules=[{"method": "POST", "path": "/secretkey$", "status": 503}])
    response = admin.post(renew_url(tenant, app_id))
    assert response.status_code == 503
    html = response.content.decode()
    # Known only because the key was read again: a 503 may come after the renewal was made.
    assert "the secret key is still the one it was" in html and "Nothing was changed" in html
    assert AuditEvent.objects.get(action="secretkey.renew").outcome == "settled_not_done"
    assert ecl.secretkey_get(tenant, app_id) == before


@pytest.mark.slow  # waits out ECL's retries
def test_renewal_when_ecl_is_not_reachable_is_a_503_page(admin, tenant, app_id):
    ecl.secretkey_get(tenant, app_id)  # a token in the cache, then ECL goes away
    tenant.api_url = "http://127.0.0.1:9"  # the discard port: nothing listens
    tenant.save()
    response = admin.post(renew_url(tenant, app_id))
    assert response.status_code == 503
    assert "Nothing was changed" in response.content.decode()
    assert AuditEvent.objects.get(action="secretkey.renew").outcome == "UpstreamUnavailable"


def test_renewing_a_missing_app_is_a_404_page(admin, tenant):
    assert admin.post(renew_url(tenant, "99999")).status_code == 404
    assert admin.get(renew_url(tenant, "99999")).status_code == 404


def test_renewal_in_a_suspended_tenant_is_a_403_page(admin, tenant, app_id, emulator):
    emulator.set_tenant_state(tenant.tenant_id, "suspended")
    assert admin.post(renew_url(tenant, app_id)).status_code == 403


@pytest.mark.slow  # waits out a hang
@override_settings(ECL_TIMEOUT=1, ECL_CONNECT_TIMEOUT=1, ECL_CALL_BUDGET=5)
def test_the_regenerate_page_when_ecl_hangs_is_a_504_page(admin, tenant, app_id, emulator):
    emulator.set_faults(rules=[{"method": "GET", "path": "/apps/", "action": "hang"}])
    assert admin.get(renew_url(tenant, app_id)).status_code == 504


def test_without_recent_password_regenerating_asks_for_it_on_the_same_page(
    client_as, tenant, app_id, emulator
):
    client = client_as("admin")
    before = ecl.secretkey_get(tenant, app_id)
    page = client.get(renew_url(tenant, app_id))
    assert 'name="password"' in page.content.decode()
    assert "stops working the moment it is regenerated" in page.content.decode()
    emulator.reset_stats()
    response = client.post(renew_url(tenant, app_id))
    assert response.status_code == 200 and 'name="password"' in response.content.decode()
    assert (
        emulator.stats()["calls"].get("POST /tenants/{tenant_id}/apps/{app_id}/secretkey") is None
    )
    response = client.post(renew_url(tenant, app_id), {"password": "correct-horse-battery-staple"})
    assert response.status_code == 200 and "was regenerated" in response.content.decode()
    assert ecl.secretkey_get(tenant, app_id) != before


def test_editor_cannot_renew_and_reaches_no_upstream(client_as, tenant, app_id, emulator):
    client = client_as("editor", reauthenticated=True)
    emulator.reset_stats()
    assert client.post(renew_url(tenant, app_id)).status_code == 403
    assert emulator.stats()["api_calls"] == 0


def test_regenerate_refuses_other_methods(admin, tenant, app_id, emulator):
    emulator.reset_stats()
    assert admin.put(renew_url(tenant, app_id)).status_code == 405
    assert admin.delete(renew_url(tenant, app_id)).status_code == 405
    assert emulator.stats()["api_calls"] == 0
