"""Signing in to the portal through a real OpenID Connect provider (tests/oidc/provider): the
user found by `sub`, roles from groups, the checks on state, nonce, audience and expiry, the
fresh sign-in before a secret, LOCAL_LOGIN=off, sign-out, and a provider that refuses or is
down. The Django test client is the portal's side; a `requests` session is the browser at the
provider."""

import re
import time
from datetime import timedelta
from io import StringIO
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from apps_admin.accounts.oidc import backend as oidc_backend
from apps_admin.models import ApiToken, AuditEvent, Membership, ProviderIdentity, Tenant
from tests.oidc.conftest import CLIENT_ID, CLIENT_SECRET, PASSWORD, TENANT_ID, default_config
from tests.oidc.provider_process import OidcProvider
from tests.oidc.test_provider import forms
from tests.oidc.test_provider import sign_in as provider_sign_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db]  # a Node.js provider
CALLBACK = "http://testserver/oidc/callback/"


def at_provider(browser: requests.Session, url: str, username: str):
    """Follow `url` at the provider, signing in as `username` if it asks (with a one-time code:
    bob has MFA, the others do not need one); the redirect that leaves the provider."""
    answer = browser.get(url, allow_redirects=False, timeout=5)
    for _ in range(10):
        if answer.is_redirect:
            target = urljoin(answer.url, answer.headers["Location"])
            if target.startswith("http://testserver/"):
                return target
            answer = browser.get(target, allow_redirects=False, timeout=5)
        elif answer.status_code == 200 and 'name="username"' in answer.text:
            (form,) = [f for f in forms(answer.text) if "username" in f["fields"]]
            data = {"username": username, "password": PASSWORD, "otp": "123456"}
            answer = browser.post(
                urljoin(answer.url, form["action"]), data=data, allow_redirects=False, timeout=5
            )
        else:
            raise AssertionError(f"unexpected answer {answer.status_code}: {answer.text[:300]}")
    raise AssertionError("too many redirects")


def sign_in(client: Client, browser: requests.Session, username: str, start: str = "/oidc/start/"):
    """The whole sign-in: the portal's start, the provider, the portal's callback."""
    started = client.get(start)
    assert started.status_code == 302
    back = at_provider(browser, started["Location"], username)
    assert back.startswith(CALLBACK), back
    return client.get(urlsplit(back).path, dict(parse_qsl(urlsplit(back).query)))


def shown_message(client: Client, response) -> str:
    page = client.get(response["Location"]).content.decode()
    return " ".join(re.findall(r'<li class="error">([^<]*)</li>', page))


def test_without_a_provider_the_login_page_has_no_provider_button(client):
    page = client.get("/login/").content.decode()
    assert 'id="provider-sign-in"' not in page and 'name="password"' in page


def test_first_sign_in_creates_the_user_by_sub_with_the_role_of_its_group(portal, acme, client):
    page = client.get("/login/").content.decode()
    assert "Sign in with Acme SSO" in page
    answer = sign_in(client, requests.Session(), "alice")
    assert answer.status_code == 302 and answer["Location"] == "/"
    identity = ProviderIdentity.objects.get(subject="sub-alice")
    user = identity.user
    assert identity.issuer == portal.issuer and identity.groups == ["portal-acme-admins"]
    assert not user.has_usable_password() and user.email == "alice@acme.example"
    assert Membership.objects.get(user=user).role == "admin"
    home = client.get("/", follow=True)
    assert home.request["PATH_INFO"] == f"/tenants/{TENANT_ID}/apps/"
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["user.create", "membership.change"]

    # The e-mail changes hands at the provider: still the same account, found by sub.
    portal.update_user("alice", email="alice.new@acme.example")
    sign_in(Client(), requests.Session(), "alice")
    assert get_user_model().objects.count() == 1
    assert get_user_model().objects.get().email == "alice.new@acme.example"


def test_groups_set_roles_at_each_sign_in_and_roles_by_hand_stay(portal, acme, client):
    other = Tenant(name="Beta", tenant_id="b" * 32, api_key="key")
    other.set_api_secret("secret")
    other.save()
    sign_in(client, requests.Session(), "bob")  # viewers, from the OIDC_GROUP_ROLES setting
    bob = ProviderIdentity.objects.get(subject="sub-bob").user
    assert Membership.objects.get(user=bob, tenant=acme).role == "viewer"
    Membership.objects.create(user=bob, tenant=other, role="editor")  # by hand

    portal.update_user("bob", groups=["portal-acme-admins"])
    sign_in(Client(), requests.Session(), "bob")
    assert Membership.objects.get(user=bob, tenant=acme).role == "admin"

    portal.update_user("bob", groups=[])
    sign_in(Client(), requests.Session(), "bob")
    assert list(Membership.objects.filter(user=bob).values_list("tenant__name", "role")) == [
        ("Beta", "editor")
    ]
    changes = [
        e.changes for e in AuditEvent.objects.filter(action="membership.change").order_by("pk")
    ]
    assert [c["role"] for c in changes] == [
        {"from": None, "to": "viewer"},
        {"from": "viewer", "to": "admin"},
        {"from": "admin", "to": None},
    ]


def test_a_forged_or_replayed_state_signs_nobody_in(portal, acme, client):
    started = client.get("/oidc/start/")
    back = at_provider(requests.Session(), started["Location"], "alice")
    query = dict(parse_qsl(urlsplit(back).query))
    forged = client.get("/oidc/callback/", {**query, "state": "forged"})
    assert forged.status_code == 302 and "_auth_user_id" not in client.session
    assert "could not be verified" in shown_message(client, forged)
    assert client.get("/oidc/callback/", query).status_code == 302  # the real one
    assert "_auth_user_id" in client.session

    replay = Client()
    answer = replay.get("/oidc/callback/", query)
    assert answer.status_code == 302 and "_auth_user_id" not in replay.session


def test_a_wrong_nonce_is_refused(portal, acme, client):
    started = client.get("/oidc/start/")
    session = client.session
    state = next(iter(session["oidc_states"]))
    session["oidc_states"][state]["nonce"] = "not-the-one-sent"
    session.save()
    back = at_provider(requests.Session(), started["Location"], "alice")
    answer = client.get("/oidc/callback/", dict(parse_qsl(urlsplit(back).query)))
    assert "_auth_user_id" not in client.session
    assert "could not be verified" in shown_message(client, answer)
    assert not ProviderIdentity.objects.exists()


def _backend_for() -> oidc_backend.ProviderBackend:
    backend = oidc_backend.ProviderBackend()
    backend.request = type("Request", (), {})()
    return backend


def test_a_token_for_another_audience_or_expired_is_refused(portal, settings, monkeypatch):
    config = default_config()
    other = {**config["clients"][0], "client_id": "other", "client_secret": "other-secret"}
    config["clients"].append(other)
    with OidcProvider() as second:
        second.start(config)
        settings.OIDC_ISSUER = second.issuer
        discovery = requests.get(second.discovery_url, timeout=5).json()
        claims, tokens, _browser = provider_sign_in(discovery, "alice")
        backend = _backend_for()
        assert backend.verify_token(tokens["id_token"], nonce=claims["nonce"])["sub"] == "sub-alice"

        # The tokens below fail the provider test's own checks, on purpose.
        monkeypatch.setattr(
            "tests.oidc.test_provider.verify_id_token", lambda token, discovery, nonce: {}
        )
        # Issued by a clock 400 s behind: expired 100 s ago, well past the 30 s of leeway.
        second.move_clock(-400)
        _claims, expired, _browser = provider_sign_in(discovery, "alice")
        with pytest.raises(SuspiciousOperation, match="ExpiredSignature"):
            backend.verify_token(expired["id_token"], nonce=None)

        second.move_clock(0)
        monkeypatch.setattr("tests.oidc.test_provider.CLIENT_ID", "other")
        monkeypatch.setattr("tests.oidc.test_provider.CLIENT_SECRET", "other-secret")
        _claims, for_other, _browser = provider_sign_in(discovery, "alice")
        with pytest.raises(SuspiciousOperation, match="InvalidAudience"):
            backend.verify_token(for_other["id_token"], nonce=None)


def reveal_page(tenant: Tenant) -> str:
    return f"/tenants/{tenant.tenant_id}/apps/1000/secretkey/"


def test_a_secret_needs_a_fresh_sign_in_at_the_provider(portal, acme, client, settings):
    browser = requests.Session()
    sign_in(client, browser, "alice")
    page = client.get(reveal_page(acme)).content.decode()
    assert 'id="confirm-at-provider"' in page and "Sign in again at Acme SSO" in page
    assert 'name="password"' not in page
    fresh = re.search(r'href="(/oidc/start/\?[^"]+)"', page).group(1).replace("&amp;", "&")

    # An old auth_time does not count: the provider must have asked for the password again.
    settings.OIDC_FRESH_SIGN_IN = -1
    answer = sign_in(client, browser, "alice", start=fresh)
    assert answer["Location"] == reveal_page(acme)
    assert "did not ask you to sign in again" in shown_message(client, answer)
    assert 'id="confirm-at-provider"' in client.get(reveal_page(acme)).content.decode()

    # With the provider's live session, prompt=login still shows its sign-in form.
    settings.OIDC_FRESH_SIGN_IN = 300
    started = client.get(fresh)
    query = dict(parse_qsl(urlsplit(started["Location"]).query))
    assert (query["prompt"], query["max_age"]) == ("login", "0")
    shown = browser.get(started["Location"], allow_redirects=True, timeout=5)
    assert 'name="password"' in shown.text
    back = at_provider(browser, started["Location"], "alice")
    answer = client.get(urlsplit(back).path, dict(parse_qsl(urlsplit(back).query)))
    assert answer["Location"] == reveal_page(acme)
    page = client.get(reveal_page(acme)).content.decode()
    assert 'id="confirm-at-provider"' not in page


def test_mfa_can_be_required_for_the_fresh_sign_in(portal, acme, client, settings):
    settings.OIDC_REQUIRE_MFA = True
    browser = requests.Session()
    sign_in(client, browser, "alice")
    fresh = "/oidc/start/?fresh=1&next=" + reveal_page(acme)
    answer = sign_in(client, browser, "alice", start=fresh)
    assert "second factor" in shown_message(client, answer)
    assert 'id="confirm-at-provider"' in client.get(reveal_page(acme)).content.decode()


def test_someone_else_at_the_provider_does_not_switch_the_account(portal, acme, client):
    sign_in(client, requests.Session(), "alice")
    alice = int(client.session["_auth_user_id"])
    answer = sign_in(
        client, requests.Session(), "bob", start="/oidc/start/?fresh=1&next=/account/tokens/"
    )
    assert int(client.session["_auth_user_id"]) == alice
    assert "as someone else" in shown_message(client, answer)


def test_local_login_off_leaves_only_the_superusers_password(portal, client, settings):
    settings.LOCAL_LOGIN = False
    User = get_user_model()
    User.objects.create_user("local", password="a-long-password-1", is_staff=True)
    User.objects.create_superuser("root", password="a-long-password-2")
    page = client.get("/login/").content.decode()
    assert 'id="break-glass"' in page and "Sign in with Acme SSO" in page
    refused = client.post("/login/", {"username": "local", "password": "a-long-password-1"})
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    admin = client.post("/admin/login/", {"username": "local", "password": "a-long-password-1"})
    assert admin.status_code == 200 and "_auth_user_id" not in client.session
    allowed = client.post("/login/", {"username": "root", "password": "a-long-password-2"})
    assert allowed.status_code == 302 and "_auth_user_id" in client.session


def test_sign_out_ends_the_session_here_and_at_the_provider(portal, acme, client):
    browser = requests.Session()
    sign_in(client, browser, "alice")
    answer = client.post("/logout/")
    assert "_auth_user_id" not in client.session
    target = urlsplit(answer["Location"])
    discovery = requests.get(portal.discovery_url, timeout=5).json()
    assert f"{target.scheme}://{target.netloc}{target.path}" == discovery["end_session_endpoint"]
    query = dict(parse_qsl(target.query))
    assert query == {"client_id": CLIENT_ID, "post_logout_redirect_uri": "http://testserver/login/"}
    # The provider's session ends too: a new sign-in asks for the password again.
    confirm = browser.get(answer["Location"], timeout=5)
    (form,) = forms(confirm.text)
    ended = browser.post(
        urljoin(confirm.url, form["action"]),
        data={**form["fields"], "logout": "yes"},
        allow_redirects=False,
        timeout=5,
    )
    assert ended.headers["Location"].startswith("http://testserver/login/")
    started = Client().get("/oidc/start/")
    shown = browser.get(started["Location"], allow_redirects=True, timeout=5)
    assert 'name="password"' in shown.text


def test_a_provider_that_does_not_answer_is_a_clear_message(client, settings):
    settings.OIDC_ISSUER = "http://127.0.0.1:9"
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_ENABLED = True
    answer = client.get("/oidc/start/")
    assert answer.status_code == 302 and answer["Location"] == "/login/"
    assert "not answering" in shown_message(client, answer)


def _check_due(client: Client) -> None:
    session = client.session
    session["oidc_id_token_expiration"] = time.time() - 1
    session.save()


def test_after_the_idle_timeout_the_session_is_checked_with_the_provider(portal, acme, client):
    browser = requests.Session()
    sign_in(client, browser, "alice")
    assert client.get("/account/tokens/").status_code == 200  # no check due yet
    _check_due(client)
    due = client.get("/account/tokens/")
    assert due.status_code == 302 and "prompt=none" in due["Location"]
    back = at_provider(browser, due["Location"], "alice")  # the provider session is alive
    answer = client.get(urlsplit(back).path, dict(parse_qsl(urlsplit(back).query)))
    assert answer["Location"] == "/account/tokens/" and "_auth_user_id" in client.session

    portal.reset()  # every provider session ends: she left, or signed out there
    _check_due(client)
    due = client.get("/account/tokens/")
    back = at_provider(browser, due["Location"], "alice")
    assert "error=login_required" in back
    answer = client.get(urlsplit(back).path, dict(parse_qsl(urlsplit(back).query)))
    assert "_auth_user_id" not in client.session
    assert "did not sign you in" in shown_message(client, answer)


def test_users_not_seen_at_the_provider_are_listed(portal, acme, client):
    sign_in(client, requests.Session(), "alice")
    sign_in(Client(), requests.Session(), "bob")
    ProviderIdentity.objects.filter(subject="sub-bob").update(
        last_seen_at=timezone.now() - timedelta(days=40)
    )
    out, err = StringIO(), StringIO()
    call_command("provider_users_unseen", "--days", "30", stdout=out, stderr=err)
    assert [line.split("\t")[:2] for line in out.getvalue().splitlines()] == [["bob", "sub-bob"]]
    assert "1 user(s)" in err.getvalue()


def test_no_secret_of_the_sign_in_reaches_a_log_or_a_page(portal, acme, client, caplog):
    caplog.set_level("DEBUG")
    started = client.get("/oidc/start/")
    back = at_provider(requests.Session(), started["Location"], "alice")
    query = dict(parse_qsl(urlsplit(back).query))
    answer = client.get("/oidc/callback/", query)
    page = client.get(answer["Location"], follow=True).content.decode()
    logged = caplog.text + portal.logs()
    for secret in (CLIENT_SECRET, query["code"], PASSWORD):
        assert secret not in logged and secret not in page
    assert not {"oidc_id_token", "oidc_access_token"} & set(client.session.keys())


def test_an_api_token_needs_the_fresh_sign_in_too_and_keeps_the_form(portal, acme, client):
    browser = requests.Session()
    sign_in(client, browser, "alice")
    page = client.get("/account/tokens/").content.decode()
    assert 'id="token-provider-confirmation"' in page and 'name="password"' not in page
    typed = {"action": "create", "name": "ci", "scope": "write", "days": "30"}
    asked = client.post("/account/tokens/", typed)
    assert asked["Location"].startswith("/oidc/start/?") and "fresh=1" in asked["Location"]
    assert not ApiToken.objects.exists()
    answer = sign_in(client, browser, "alice", start=asked["Location"])
    assert answer["Location"] == "/resume/"
    resume = client.get("/resume/")
    assert resume.context["pending"].path == "/account/tokens/"
    assert sorted(resume.context["pending"].fields) == sorted(typed.items())
    created = client.post(resume.context["pending"].path, dict(resume.context["pending"].fields))
    assert created.status_code == 200 and "Your new token" in created.content.decode()
    token = ApiToken.objects.get()
    assert (token.name, token.scope) == ("ci", "write")
