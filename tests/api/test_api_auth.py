"""How callers authenticate: session (with CSRF), `Authorization: Token`, `X-Auth-Token`.

The API tokens themselves (format, expiry, scopes) are tested in test_api_token_auth.py.
"""

import pytest
from rest_framework.test import APIClient

from apps_admin.accounts import api_tokens
from tests.helpers import login, token_for

pytestmark = pytest.mark.django_db


def test_no_credentials_is_401_with_a_token_challenge(apps_url, emulator):
    emulator.reset_stats()
    response = APIClient().get(apps_url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }
    assert emulator.stats()["api_calls"] == 0


def test_an_authorization_token_header_authenticates(users, apps_url):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(users['viewer'])}")
    assert client.get(apps_url).status_code == 200


def test_an_x_auth_token_header_authenticates_as_ecl_scripts_send_it(users, apps_url):
    client = APIClient()
    client.credentials(HTTP_X_AUTH_TOKEN=token_for(users["viewer"]))
    assert client.get(apps_url).status_code == 200


@pytest.mark.parametrize("header", ["HTTP_AUTHORIZATION", "HTTP_X_AUTH_TOKEN"])
def test_an_unknown_token_is_401(users, apps_url, header, emulator):
    value = "swp_AAAAAAAAAA_" + "x" * 43  # the form of a token, but none was made
    client = APIClient()
    client.credentials(**{header: f"Token {value}" if header == "HTTP_AUTHORIZATION" else value})
    emulator.reset_stats()
    response = client.get(apps_url)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Token"
    assert emulator.stats()["api_calls"] == 0


def test_an_empty_or_garbled_x_auth_token_is_401(apps_url):
    for value in ("", "two words"):
        client = APIClient()
        client.credentials(HTTP_X_AUTH_TOKEN=value)
        assert client.get(apps_url).status_code == 401


def test_a_keystone_token_is_not_a_portal_token(apps_url, emulator_server, ecl_tenant):
    from ecl_emulator.testing import issue_token

    keystone = issue_token(
        emulator_server.identity_url,
        ecl_tenant["tenant_id"],
        ecl_tenant["api_key"],
        ecl_tenant["api_secret"],
    )
    client = APIClient()
    client.credentials(HTTP_X_AUTH_TOKEN=keystone)
    assert client.get(apps_url).status_code == 401


@pytest.mark.parametrize("header", ["HTTP_AUTHORIZATION", "HTTP_X_AUTH_TOKEN"])
def test_a_revoked_token_is_401(users, apps_url, header):
    key = token_for(users["viewer"])
    client = APIClient()
    client.credentials(**{header: f"Token {key}" if header == "HTTP_AUTHORIZATION" else key})
    assert client.get(apps_url).status_code == 200
    api_tokens.revoke_all(users["viewer"])
    assert client.get(apps_url).status_code == 401


def test_the_token_of_a_deactivated_user_is_401(users, apps_url):
    client = APIClient()
    client.credentials(HTTP_X_AUTH_TOKEN=token_for(users["viewer"]))
    users["viewer"].is_active = False
    users["viewer"].save()
    assert client.get(apps_url).status_code == 401


def test_a_session_authenticates_reads(users, apps_url):
    client = login(APIClient(enforce_csrf_checks=True), users["viewer"])
    assert client.get(apps_url).status_code == 200


def test_a_session_change_without_the_csrf_token_is_refused_before_any_upstream_call(
    users, apps_url, emulator
):
    client = login(APIClient(enforce_csrf_checks=True), users["editor"])
    emulator.reset_stats()
    response = client.post(apps_url, {"description": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "CSRF" in response.json()["detail"]
    assert emulator.stats()["api_calls"] == 0


def test_a_session_change_with_the_csrf_token_is_accepted(users, apps_url):
    client = login(APIClient(enforce_csrf_checks=True), users["editor"])
    page = client.get(apps_url, HTTP_ACCEPT="text/html")
    token = page.context["csrf_token"] if page.context else None
    assert token, "the browsable API page carries a CSRF token"
    response = client.post(
        apps_url, {"description": "x"}, format="json", HTTP_X_CSRFTOKEN=str(token)
    )
    assert response.status_code == 200


def test_a_token_call_needs_no_csrf_token(users, apps_url):
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_X_AUTH_TOKEN=token_for(users["editor"]))
    assert client.post(apps_url, {"description": "x"}, format="json").status_code == 200


def test_the_token_wins_over_the_session(users, apps_url, tenant):
    client = login(APIClient(), users["viewer"])
    client.credentials(HTTP_X_AUTH_TOKEN=token_for(users["editor"]))
    assert client.post(apps_url, {"description": "x"}, format="json").status_code == 200


def test_the_tenant_list_needs_credentials_too():
    assert APIClient().get("/api/tenants").status_code == 401
