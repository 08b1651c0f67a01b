"""How callers authenticate: session (with CSRF), `Authorization: Token`, `X-Auth-Token`."""

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def apps_url(tenant) -> str:
    return f"/api/tenants/{tenant.tenant_id}/apps"


def key_of(user) -> str:
    return Token.objects.get_or_create(user=user)[0].key


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
    client.credentials(HTTP_AUTHORIZATION=f"Token {key_of(users['viewer'])}")
    assert client.get(apps_url).status_code == 200


def test_an_x_auth_token_header_authenticates_as_ecl_scripts_send_it(users, apps_url):
    client = APIClient()
    client.credentials(HTTP_X_AUTH_TOKEN=key_of(users["viewer"]))
    assert client.get(apps_url).status_code == 200


@pytest.mark.parametrize("header", ["HTTP_AUTHORIZATION", "HTTP_X_AUTH_TOKEN"])
def test_an_unknown_token_is_401(users, apps_url, header, emulator):
    value = "0123456789abcdef0123456789abcdef01234567"
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
    key = key_of(users["viewer"])
    client = APIClient()
    client.credentials(**{header: f"Token {key}" if header == "HTTP_AUTHORIZATION" else key})
    assert client.get(apps_url).status_code == 200
    Token.objects.filter(user=users["viewer"]).delete()
    assert client.get(apps_url).status_code == 401


def test_the_token_of_a_deactivated_user_is_401(users, apps_url):
    client = APIClient()
    client.credentials(HTTP_X_AUTH_TOKEN=key_of(users["viewer"]))
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
    client.credentials(HTTP_X_AUTH_TOKEN=key_of(users["editor"]))
    assert client.post(apps_url, {"description": "x"}, format="json").status_code == 200


def test_the_token_wins_over_the_session(users, apps_url, tenant):
    client = login(APIClient(), users["viewer"])
    client.credentials(HTTP_X_AUTH_TOKEN=key_of(users["editor"]))
    assert client.post(apps_url, {"description": "x"}, format="json").status_code == 200


def test_drf_create_token_makes_a_working_token(users, apps_url, capsys):
    call_command("drf_create_token", users["viewer"].username)
    key = Token.objects.get(user=users["viewer"]).key
    assert key in capsys.readouterr().out
    client = APIClient()
    client.credentials(HTTP_X_AUTH_TOKEN=key)
    assert client.get(apps_url).status_code == 200


def test_the_tenant_list_needs_credentials_too():
    assert APIClient().get("/api/tenants").status_code == 401
