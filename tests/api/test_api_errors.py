"""Each row of the API's error table, produced for real: emulator faults, tenant states, roles."""

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from apps_admin.models import AuditEvent
from tests.helpers import login, token_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_throttle_history")]

# Hangs end in a second rather than ECL_TIMEOUT's ten.
fast = override_settings(ECL_TIMEOUT=1, ECL_CONNECT_TIMEOUT=1, ECL_CALL_BUDGET=5)


def fault(emulator, method: str, path: str, *, count: int = 1, **kind) -> None:
    emulator.set_faults(rules=[{"method": method, "path": path, "count": count, **kind}])


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert set(body) <= {"detail", "code", "fields", "found", "renewed_by", "renewed_at"}
    assert ("found" in body) is (code == "outcome_unknown")
    assert isinstance(body["detail"], str) and body["detail"]
    return body


# --- 400 ----------------------------------------------------------------------------------------


def test_400_for_input_the_shared_rules_refuse(admin, apps_url, emulator):
    emulator.reset_stats()
    body = error_of(admin.post(apps_url, {"description": "x" * 200}, format="json"), 400, "invalid")
    assert body["fields"] == {
        "description": ["The description can be at most 128 characters (it has 200)."]
    }
    assert emulator.stats()["api_calls"] == 0


def test_400_for_input_ecl_refuses_carries_ecls_message(admin, apps_url, emulator):
    fault(emulator, "POST", r"/apps$", status=400)
    body = error_of(
        admin.post(apps_url, {"description": "fine here"}, format="json"), 400, "invalid"
    )
    assert body["detail"] == "Injected fault"  # ECL's own text, unchanged
    event = AuditEvent.objects.get(action="app.create")
    assert event.outcome == "InvalidRequest"
    assert event.transaction_id


# --- 401 ----------------------------------------------------------------------------------------


def test_401_without_credentials(apps_url):
    error_of(APIClient().get(apps_url), 401, "not_authenticated")


def test_401_for_an_unknown_token(apps_url):
    client = APIClient()
    client.credentials(HTTP_X_AUTH_TOKEN="f" * 40)
    error_of(client.get(apps_url), 401, "authentication_failed")


# --- 403 ----------------------------------------------------------------------------------------


def test_403_when_the_role_is_too_low(users, apps_url):
    body = error_of(
        token_client(users["viewer"]).delete(f"{apps_url}/1000"), 403, "permission_denied"
    )
    assert "viewer" in body["detail"]


def test_403_when_a_session_must_confirm_the_password(users, apps_url):
    client = login(APIClient(), users["admin"])
    error_of(client.get(f"{apps_url}/1000/secretkey"), 403, "reauth_required")


@pytest.mark.parametrize("state", ["suspended", "deleted"])
def test_403_when_the_tenant_is_unavailable_at_ecl(admin, apps_url, emulator, tenant, state):
    emulator.set_tenant_state(tenant.tenant_id, state)
    body = error_of(admin.get(apps_url), 403, "tenant_unavailable")
    assert state in body["detail"]
    error_of(admin.post(apps_url, {"description": "x"}, format="json"), 403, "tenant_unavailable")
    assert AuditEvent.objects.get(action="app.create").outcome == "TenantUnavailable"


# --- 404 ----------------------------------------------------------------------------------------


def test_404_for_a_tenant_the_caller_may_not_see(users, tenant, other_tenant):
    outsider = token_client(users["outsider"])
    error_of(outsider.get(f"/api/tenants/{tenant.tenant_id}/apps"), 404, "not_found")


def test_404_for_a_tenant_that_does_not_exist(admin):
    error_of(admin.get(f"/api/tenants/{'0' * 32}/apps/1000"), 404, "not_found")


def test_404_for_an_app_that_does_not_exist(admin, apps_url):
    response = admin.get(f"{apps_url}/424242")
    error_of(response, 404, "app_not_found")
    assert response["ECL-Transaction-ID"]


def test_404_for_an_unknown_path_under_the_api(admin):
    error_of(admin.get("/api/tenants/x/things"), 404, "not_found")


# --- 502 ----------------------------------------------------------------------------------------


def test_502_when_ecl_answers_something_unreadable(admin, apps_url, emulator):
    fault(emulator, "GET", r"/apps$", action="malformed", count=3)
    error_of(admin.get(apps_url), 502, "ecl_bad_response")


def test_502_when_ecl_rejects_the_tenants_credentials(admin, emulator_server, ecl_tenant, tenant):
    tenant.set_api_secret("not-the-secret")
    tenant.save()
    body = error_of(
        admin.get(f"/api/tenants/{tenant.tenant_id}/apps"), 502, "ecl_credentials_rejected"
    )
    assert "credentials" in body["detail"]


def test_502_when_the_tenants_stored_secret_cannot_be_used(admin, tenant):
    tenant.api_secret_encrypted = "garbage"
    tenant.save()
    error_of(admin.get(f"/api/tenants/{tenant.tenant_id}/apps"), 502, "tenant_misconfigured")


def test_502_when_ecl_refuses_a_fresh_token_too(admin, apps_url, emulator):
    fault(emulator, "GET", r"/apps$", status=401, count=5)
    error_of(admin.get(apps_url), 502, "ecl_token_rejected")


@fast
def test_502_outcome_unknown_when_a_renewals_answer_is_lost_and_the_key_cannot_be_read(
    admin, apps_url, emulator
):
    key_before = admin.get(f"{apps_url}/1000/secretkey").json()["secretkey"]
    emulator.set_faults(
        rules=[
            # The key read before the renewal is answered; the one after it is not.
            {"method": "GET", "path": r"/secretkey$", "action": "hold", "hold_ms": 1},
            {"method": "POST", "path": r"/secretkey$", "action": "reset", "when": "after"},
            {"method": "GET", "path": r"/secretkey$", "status": 500, "count": 5},
        ]
    )
    response = admin.post(f"{apps_url}/1000/secretkey")
    error_of(response, 502, "outcome_unknown")
    assert response.json()["found"] is None
    assert "could not be read back" in response.json()["detail"]
    assert AuditEvent.objects.get(action="secretkey.renew").outcome == "unknown"
    renewals = [e for e in emulator.requests() if e["method"] == "POST" and "secret" in e["path"]]
    assert [e["carried_out"] for e in renewals] == [True]
    emulator.clear_faults()
    # It was renewed: the portal said "unknown", never "nothing was changed".
    assert admin.get(f"{apps_url}/1000/secretkey").json()["secretkey"] != key_before


def test_a_renewal_whose_answer_is_lost_is_settled_by_reading_the_key(admin, apps_url, emulator):
    fault(emulator, "POST", r"/secretkey$", action="reset", when="after")
    response = admin.post(f"{apps_url}/1000/secretkey")
    assert response.status_code == 200
    assert (
        response.json()["secretkey"] == admin.get(f"{apps_url}/1000/secretkey").json()["secretkey"]
    )
    assert AuditEvent.objects.get(action="secretkey.renew").outcome == "settled_done"


def test_a_renewal_answered_unreadably_is_settled_by_reading_the_key(admin, apps_url, emulator):
    fault(emulator, "POST", r"/secretkey$", action="malformed", when="after")
    response = admin.post(f"{apps_url}/1000/secretkey")
    assert response.status_code == 200
    assert (
        response.json()["secretkey"] == admin.get(f"{apps_url}/1000/secretkey").json()["secretkey"]
    )


# --- 503 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 503])
def test_503_ecl_busy_passes_retry_after_on_and_nothing_is_resent(
    editor, app_url, emulator, status
):
    emulator.clear_requests()
    fault(emulator, "PUT", r"/apps/", status=status, headers={"Retry-After": "30"}, count=5)
    response = editor.put(app_url, {"description": "busy"}, format="json")
    body = error_of(response, 503, "ecl_busy")
    assert response["Retry-After"] == "30"
    assert body["detail"] == (
        f"ECL is busy and refused the request (HTTP {status}). Nothing was changed; "
        "try again in 30 seconds."
    )
    puts = [e for e in emulator.requests() if e["method"] == "PUT"]
    assert [e["carried_out"] for e in puts] == [False]  # sent once, refused: not resent
    assert AuditEvent.objects.get(action="app.update").outcome == "UpstreamBusy"


def test_ecl_busy_is_said_in_the_callers_language(editor, app_url, emulator):
    fault(emulator, "PUT", r"/apps/", status=429, headers={"Retry-After": "30"})
    response = editor.put(
        app_url, {"description": "busy"}, format="json", HTTP_ACCEPT_LANGUAGE="ja"
    )
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert response.json()["detail"] == (
        "ECL が混雑しているため、リクエストを受け付けませんでした (HTTP 429)。"
        "何も変更されていません。30 秒後に再試行してください。"
    )


def test_a_busy_read_passes_retry_after_on(editor, apps_url, emulator):
    fault(emulator, "GET", r"/apps$", status=429, headers={"Retry-After": "120"}, count=5)
    response = editor.get(apps_url)
    error_of(response, 503, "ecl_busy")
    assert response["Retry-After"] == "120"
    assert "try again in 2 minutes" in response.json()["detail"]


@pytest.mark.slow  # waits out ECL's retries
@pytest.mark.parametrize("status", [500, 502, 503])
def test_503_when_ecl_answers_5xx(admin, apps_url, emulator, status):
    fault(emulator, "GET", r"/apps$", status=status, count=3)
    response = admin.get(apps_url)
    error_of(response, 503, "ecl_unavailable")
    assert response["ECL-Transaction-ID"]


def test_503_when_a_create_is_answered_503_and_no_app_was_made(admin, apps_url, emulator):
    fault(emulator, "POST", r"/apps$", status=503)
    response = admin.post(apps_url, {"description": "x"}, format="json")
    error_of(response, 503, "ecl_unavailable")
    assert "Nothing was changed" in response.json()["detail"]
    assert AuditEvent.objects.get(action="app.create").outcome == "settled_not_done"


@pytest.mark.slow  # waits out ECL's retries
@fast
def test_503_when_ecl_is_not_reachable(admin, apps_url, emulator):
    fault(emulator, "GET", r"/apps$", action="reset", count=3)
    error_of(admin.get(apps_url), 503, "ecl_unavailable")


@pytest.mark.slow  # waits out ECL's retries
def test_503_when_the_tenants_ecl_address_refuses_connections(admin, tenant):
    tenant.api_url = "http://127.0.0.1:9"  # the discard port: nothing listens
    tenant.save()
    error_of(admin.get(f"/api/tenants/{tenant.tenant_id}/apps"), 503, "ecl_unavailable")


# --- 504 ----------------------------------------------------------------------------------------


@pytest.mark.slow  # waits out a hang
@fast
def test_504_when_ecl_times_out(admin, apps_url, emulator):
    fault(emulator, "GET", r"/apps/1000$", action="hang")
    error_of(admin.get(f"{apps_url}/1000"), 504, "ecl_timeout")


# --- not errors of the table, same shape ---------------------------------------------------------


def test_405_for_a_method_the_endpoint_does_not_have(admin, apps_url):
    error_of(admin.patch(f"{apps_url}/1000", {}, format="json"), 405, "method_not_allowed")


def test_415_for_a_body_type_the_api_does_not_read(admin, apps_url):
    response = admin.post(apps_url, "<app/>", content_type="application/xml")
    error_of(response, 415, "unsupported_media_type")
