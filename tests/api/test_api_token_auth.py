"""API tokens at the API: only a digest is kept, both headers work, every refusal says why (401),
each scope allows what it says (403 `token_scope` otherwise), and tokens end with the password."""

import hashlib
import logging
import re
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient, APIRequestFactory

from apps_admin.accounts import api_tokens
from apps_admin.api.authentication import ApiTokenAuthentication, XAuthTokenAuthentication
from apps_admin.models import ApiToken, AuditEvent
from tests.helpers import PASSWORD, login, token_for

pytestmark = pytest.mark.django_db

HEADERS = ["HTTP_AUTHORIZATION", "HTTP_X_AUTH_TOKEN"]
NEW_PASSWORD = "a-new-and-long-Passphrase-42"


def client_with(text: str, header: str = "HTTP_X_AUTH_TOKEN") -> APIClient:
    client = APIClient()
    client.credentials(**{header: f"Token {text}" if header == "HTTP_AUTHORIZATION" else text})
    return client


def refusal(response) -> tuple[int, str, str]:
    return response.status_code, response.json()["code"], response.json()["detail"]


# --- What is kept ---------------------------------------------------------------------------


def test_only_a_digest_of_the_token_is_stored(users):
    token, text = api_tokens.issue(users["viewer"], name="ci", scope="read")
    assert re.fullmatch(r"swp_[A-Za-z0-9]{10}_[A-Za-z0-9_-]{43}", text)
    secret = text.split("_", 2)[2]
    assert token.prefix == text.split("_")[1]
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM apps_admin_apitoken")
        rows = repr(cursor.fetchall())
    assert secret not in rows and text not in rows


def test_every_token_is_new(users):
    texts = {api_tokens.issue(users["viewer"], name="ci", scope="read")[1] for _ in range(5)}
    assert len(texts) == 5
    assert len({text.split("_")[1] for text in texts}) == 5


def test_a_token_lasts_90_days_unless_told(users):
    token, _text = api_tokens.issue(users["viewer"], name="ci", scope="read")
    assert token.expires_at - token.created_at == timedelta(days=90)


def test_a_token_lasts_at_most_365_days(users):
    token, _text = api_tokens.issue(users["viewer"], name="ci", scope="read", days=365)
    assert token.expires_at - token.created_at == timedelta(days=365)
    for days in (0, 366, -1):
        with pytest.raises(ValueError):
            api_tokens.issue(users["viewer"], name="ci", scope="read", days=days)


@pytest.mark.parametrize("name, scope", [("ci", "admin"), ("", "read"), ("x" * 101, "read")])
def test_a_token_needs_a_known_scope_and_a_name(users, name, scope):
    with pytest.raises(ValueError):
        api_tokens.issue(users["viewer"], name=name, scope=scope)
    assert not ApiToken.objects.exists()


# --- Both headers -----------------------------------------------------------------------------


@pytest.mark.parametrize("header", HEADERS)
def test_a_token_authenticates_in_either_header(users, apps_url, header):
    assert client_with(token_for(users["viewer"], "read"), header).get(apps_url).status_code == 200


@pytest.mark.parametrize(
    "authentication, header",
    [
        (ApiTokenAuthentication, "HTTP_AUTHORIZATION"),
        (XAuthTokenAuthentication, "HTTP_X_AUTH_TOKEN"),
    ],
)
def test_the_request_carries_the_token_as_its_auth(users, authentication, header):
    token, text = api_tokens.issue(users["viewer"], name="ci", scope="read")
    value = f"Token {text}" if header == "HTTP_AUTHORIZATION" else text
    request = APIRequestFactory().get("/api/tenants", **{header: value})
    assert authentication().authenticate(request) == (users["viewer"], token)


def test_another_authorization_scheme_is_left_to_others(users):
    request = APIRequestFactory().get("/api/tenants", HTTP_AUTHORIZATION="Bearer abc")
    assert ApiTokenAuthentication().authenticate(request) is None


@pytest.mark.parametrize("value", ["Token", "Token a b"])
def test_a_garbled_authorization_header_is_401(apps_url, value):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=value)
    response = client.get(apps_url)
    assert response.status_code == 401
    assert "Authorization" in response.json()["detail"]


# --- Refusals: 401, saying why, before any upstream call --------------------------------------


@pytest.mark.parametrize("header", HEADERS)
def test_an_unknown_token_is_401(apps_url, header, emulator):
    emulator.reset_stats()
    response = client_with("swp_AAAAAAAAAA_" + "x" * 43, header).get(apps_url)
    assert refusal(response) == (
        401,
        "authentication_failed",
        "Unknown API token: check that it was copied whole.",
    )
    assert response["WWW-Authenticate"] == "Token"
    assert emulator.stats()["api_calls"] == 0


def test_a_known_prefix_with_a_wrong_secret_is_unknown(users, apps_url):
    text = token_for(users["viewer"])
    forged = text[:-4] + ("AAAA" if not text.endswith("AAAA") else "BBBB")
    response = client_with(forged).get(apps_url)
    assert refusal(response)[::2] == (401, "Unknown API token: check that it was copied whole.")


@pytest.mark.parametrize("header", HEADERS)
def test_a_revoked_token_is_401_saying_when(users, apps_url, header):
    token, text = api_tokens.issue(users["viewer"], name="ci", scope="read")
    client = client_with(text, header)
    assert client.get(apps_url).status_code == 200
    api_tokens.revoke(token)
    when = token.revoked_at.strftime("%Y-%m-%d %H:%M UTC")
    assert refusal(client.get(apps_url)) == (
        401,
        "authentication_failed",
        f"This API token was revoked on {when}.",
    )


@pytest.mark.parametrize("header", HEADERS)
def test_an_expired_token_is_401_saying_when_it_expired(users, apps_url, header):
    token, text = api_tokens.issue(users["viewer"], name="ci", scope="read")
    expired = timezone.now() - timedelta(days=2)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=expired)
    assert refusal(client_with(text, header).get(apps_url)) == (
        401,
        "authentication_failed",
        f"This API token expired on {expired:%Y-%m-%d %H:%M} UTC: create a new one on "
        "/account/tokens/.",
    )


@pytest.mark.parametrize("header", HEADERS)
def test_a_token_of_the_former_kind_is_told_to_make_a_new_one(apps_url, header, emulator):
    emulator.reset_stats()
    response = client_with("0123456789abcdef0123456789abcdef01234567", header).get(apps_url)
    assert refusal(response) == (
        401,
        "authentication_failed",
        "This API token is no longer accepted: create a new one on /account/tokens/.",
    )
    assert emulator.stats()["api_calls"] == 0


def test_the_token_of_a_user_deactivated_behind_the_models_back_is_401(users, apps_url):
    text = token_for(users["viewer"], "read")
    type(users["viewer"]).objects.filter(pk=users["viewer"].pk).update(is_active=False)
    response = client_with(text).get(apps_url)
    assert refusal(response)[::2] == (401, "This API token's user is deactivated.")


# --- Scopes -----------------------------------------------------------------------------------


def test_a_read_token_reads(users, app_url):
    assert client_with(token_for(users["editor"], "read")).get(app_url).status_code == 200


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("put", "/1000", {"description": "x"}),
        ("post", "", {"description": "x"}),
        ("delete", "/1000", None),
    ],
)
def test_a_read_token_cannot_change_anything(users, apps_url, method, path, body, emulator):
    client = client_with(token_for(users["editor"], "read"))
    emulator.reset_stats()
    response = getattr(client, method)(apps_url + path, body, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "token_scope"
    assert "read-only" in response.json()["detail"]
    assert emulator.stats()["api_calls"] == 0


def test_a_write_token_changes_apps(users, app_url):
    client = client_with(token_for(users["editor"], "write"))
    response = client.put(app_url, {"description": "changed"}, format="json")
    assert response.status_code == 200
    assert client.get(app_url).json()["description"] == "changed"


@pytest.mark.parametrize("scope", ["read", "write"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_only_a_secrets_token_reaches_secret_keys(users, secret_url, scope, method, emulator):
    client = client_with(token_for(users["admin"], scope))
    emulator.reset_stats()
    response = getattr(client, method)(secret_url)
    assert response.status_code == 403
    assert response.json()["code"] == "token_scope"
    assert "secret keys" in response.json()["detail"]
    assert emulator.stats()["api_calls"] == 0
    assert not AuditEvent.objects.filter(action__startswith="secretkey.").exists()


def test_a_secrets_token_of_a_tenant_admin_reveals_and_renews(users, secret_url):
    client = client_with(token_for(users["admin"], "secrets"))
    revealed = client.get(secret_url)
    assert revealed.status_code == 200
    renewed = client.post(secret_url)
    assert renewed.status_code == 200
    assert renewed.json()["secretkey"] != revealed.json()["secretkey"]


def test_a_secrets_token_does_not_lift_the_role(users, secret_url):
    response = client_with(token_for(users["editor"], "secrets")).get(secret_url)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_session_is_not_limited_by_scopes(users, secret_url):
    client = login(APIClient(), users["admin"], reauthenticated=True)
    assert client.get(secret_url).status_code == 200


# --- Last use ---------------------------------------------------------------------------------


def test_last_use_is_written_at_most_once_a_minute(users, apps_url, monkeypatch):
    token, text = api_tokens.issue(users["viewer"], name="ci", scope="read")
    client = client_with(text)
    assert token.last_used_at is None
    client.get(apps_url)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        client.get(apps_url)
    assert not [q for q in queries if q["sql"].startswith("UPDATE") and "apitoken" in q["sql"]]
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    # A minute later (the token is held by the process meanwhile: identity_cache.py).
    later = first + timedelta(seconds=61)
    monkeypatch.setattr(timezone, "now", lambda: later)
    client.get(apps_url)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == later


# --- Tokens end with the password or the account ----------------------------------------------


def live_tokens(user) -> int:
    return ApiToken.objects.filter(user=user).live().count()


@pytest.fixture
def vera_tokens(users) -> list[str]:
    """Two tokens of the viewer, and one of the editor that nothing here touches."""
    token_for(users["editor"])
    return [token_for(users["viewer"], "read"), token_for(users["viewer"], "write")]


def test_set_password_and_save_revokes_every_token(users, vera_tokens, apps_url):
    vera = users["viewer"]
    vera.set_password(NEW_PASSWORD)
    vera.save()
    assert live_tokens(vera) == 0
    assert live_tokens(users["editor"]) == 1
    for text in vera_tokens:
        assert client_with(text).get(apps_url).status_code == 401
    event = AuditEvent.objects.get(action="token.revoke")
    assert event.actor_username == "vera"
    assert event.changes["tokens"] == {"from": 2, "to": 0}
    assert event.changes["reason"]["to"] == "password changed"


def test_a_password_change_in_django_admin_revokes_every_token(client, users, vera_tokens):
    login(client, users["superuser"])
    response = client.post(
        f"/admin/auth/user/{users['viewer'].pk}/password/",
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert live_tokens(users["viewer"]) == 0
    assert live_tokens(users["editor"]) == 1


def test_making_the_password_unusable_revokes_every_token(users, vera_tokens):
    users["viewer"].set_unusable_password()
    users["viewer"].save(update_fields=["password"])
    assert live_tokens(users["viewer"]) == 0


def test_deactivating_the_user_revokes_every_token(users, vera_tokens, apps_url):
    users["viewer"].is_active = False
    users["viewer"].save()
    assert live_tokens(users["viewer"]) == 0
    assert AuditEvent.objects.get(action="token.revoke").changes["reason"]["to"] == "deactivated"
    response = client_with(vera_tokens[0]).get(apps_url)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_other_changes_to_the_user_keep_the_tokens(users, vera_tokens, client):
    vera = users["viewer"]
    vera.first_name = "Vera"
    vera.save()
    vera.is_active = True
    vera.save(update_fields=["is_active"])
    client.post("/login/", {"username": "vera", "password": PASSWORD})  # saves last_login
    assert live_tokens(vera) == 2


class NewerHasher(MD5PasswordHasher):
    """Stands for the stronger hasher of a newer Django release."""

    algorithm = "md5-newer"


@override_settings(
    PASSWORD_HASHERS=[
        "tests.api.test_api_token_auth.NewerHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
)
def test_a_password_rehashed_at_login_keeps_the_tokens(users, vera_tokens):
    vera = users["viewer"]
    assert vera.password.startswith("md5$")
    assert vera.check_password(PASSWORD)  # upgrades the hash and saves it, as a login does
    vera.refresh_from_db()
    assert vera.password.startswith("md5-newer$")
    assert live_tokens(vera) == 2


# --- Never written down ------------------------------------------------------------------------


def test_no_token_text_reaches_the_logs_or_the_audit_log(users, app_url, caplog):
    good = token_for(users["editor"], "write")
    revoked_token, revoked = api_tokens.issue(users["editor"], name="old", scope="write")
    api_tokens.revoke(revoked_token)
    with caplog.at_level(logging.DEBUG):
        assert (
            client_with(good).put(app_url, {"description": "x"}, format="json").status_code == 200
        )
        assert client_with(revoked, "HTTP_AUTHORIZATION").get(app_url).status_code == 401
        assert client_with(good[:-2]).get(app_url).status_code == 401
    logged = caplog.text + "".join(str(record.args) for record in caplog.records)
    audited = repr(list(AuditEvent.objects.values()))
    for text in (good, revoked, good[:-2]):
        secret = text.split("_", 2)[2]
        assert secret not in logged and secret not in audited
    assert AuditEvent.objects.filter(action="app.update").exists()
