"""What the portal does with the provider's "no", against the real provider: a Cancel (at the
first sign-in, or at the fresh sign-in before a secret) says so and changes nothing; only the
silent session check's refusal ends the session and suspends the person's API tokens, until
they sign in again. Roles by hand stay beside roles from groups; a change sent while the
session check is due is not carried out, and comes back after it."""

import io
import time
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
import requests
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from apps_admin.accounts import api_tokens
from apps_admin.models import ApiToken, AuditEvent, Membership, ProviderIdentity
from tests.oidc.conftest import TENANT_ID
from tests.oidc.test_provider import forms
from tests.oidc.test_sign_in import CALLBACK, at_provider, shown_message, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db]  # a Node.js provider


def cancel_at_provider(browser: requests.Session, url: str) -> str:
    """Follow `url` to the provider's sign-in page and press Cancel; the redirect back."""
    page = browser.get(url, timeout=5)
    assert 'id="cancel"' in page.text, page.text[:300]
    (cancel,) = [f for f in forms(page.text) if f["action"].endswith("/abort")]
    answer = browser.post(urljoin(page.url, cancel["action"]), allow_redirects=False, timeout=5)
    for _ in range(5):
        target = urljoin(answer.url, answer.headers["Location"])
        if target.startswith(CALLBACK):
            return target
        answer = browser.get(target, allow_redirects=False, timeout=5)
    raise AssertionError("the provider did not send the browser back")


def back_to_portal(client: Client, url: str):
    return client.get(urlsplit(url).path, dict(parse_qsl(urlsplit(url).query)))


def api_status(token: str) -> tuple[int, str]:
    answer = APIClient().get("/api/tenants", HTTP_X_AUTH_TOKEN=token)
    return answer.status_code, answer.json().get("detail", "") if answer.status_code != 200 else ""


def check_due(client: Client) -> None:
    session = client.session
    session["oidc_id_token_expiration"] = time.time() - 1
    session.save()


def test_cancel_at_the_fresh_sign_in_leaves_the_account_and_its_tokens_alone(portal, acme, client):
    browser = requests.Session()
    sign_in(client, browser, "alice")
    alice = ProviderIdentity.objects.get(subject="sub-alice").user
    _token, text = api_tokens.issue(alice, name="script", scope="read", days=30)
    reveal = f"/tenants/{TENANT_ID}/apps/1000/secretkey/"
    started = client.get(f"/oidc/start/?fresh=1&next={reveal}")
    answer = back_to_portal(client, cancel_at_provider(browser, started["Location"]))
    assert answer["Location"] == reveal
    assert "cancelled or refused" in shown_message(client, answer)
    alice.refresh_from_db()
    assert alice.is_active and int(client.session["_auth_user_id"]) == alice.pk
    assert api_status(text) == (200, "")
    assert not AuditEvent.objects.filter(action__in=["user.deactivate", "token.suspend"]).exists()

    # The same answer from a provider that disabled her, at an interactive sign-in: the same.
    portal.update_user("alice", disabled=True)
    started = client.get(f"/oidc/start/?fresh=1&next={reveal}")
    back = at_provider(browser, started["Location"], "alice")
    assert "error=access_denied" in back
    back_to_portal(client, back)
    alice.refresh_from_db()
    assert alice.is_active and api_status(text) == (200, "")


def test_cancel_at_the_first_sign_in_makes_no_account(portal, acme, client):
    started = client.get("/oidc/start/")
    answer = back_to_portal(client, cancel_at_provider(requests.Session(), started["Location"]))
    assert answer["Location"] == "/login/" and "_auth_user_id" not in client.session
    assert "cancelled or refused; you are not signed in" in shown_message(client, answer)
    assert not ProviderIdentity.objects.exists() and not AuditEvent.objects.exists()


def test_a_refusal_at_the_silent_check_suspends_tokens_until_the_next_sign_in(portal, acme, client):
    browser = requests.Session()
    sign_in(client, browser, "alice")
    alice = ProviderIdentity.objects.get(subject="sub-alice").user
    _token, text = api_tokens.issue(alice, name="script", scope="read", days=30)
    portal.update_user("alice", disabled=True)
    check_due(client)
    due = client.get("/account/tokens/")
    assert "prompt=none" in due["Location"]
    back = at_provider(browser, due["Location"], "alice")
    assert "error=access_denied" in back
    answer = back_to_portal(client, back)
    assert "_auth_user_id" not in client.session
    assert "your API tokens are suspended" in shown_message(client, answer)
    alice.refresh_from_db()
    assert alice.is_active  # deactivating stays an administrator's decision
    status, detail = api_status(text)
    assert status == 401 and "suspended" in detail and "sign in to the portal" in detail
    assert ApiToken.objects.get().revoked_at is None
    out = io.StringIO()
    call_command("provider_users_unseen", "--days", "30", stdout=out, stderr=io.StringIO())
    assert out.getvalue().startswith("alice\tsub-alice\t") and "suspended since" in out.getvalue()

    portal.update_user("alice", disabled=False)
    sign_in(Client(), requests.Session(), "alice")
    assert api_status(text) == (200, "")
    assert list(
        AuditEvent.objects.filter(action__startswith="token.").order_by("id").values_list("action")
    ) == [
        ("token.suspend",),
        ("token.resume",),
    ]


def test_a_role_by_hand_stays_beside_a_role_from_groups_on_one_tenant(portal, acme, client):
    sign_in(client, requests.Session(), "bob")  # portal-acme-viewers: viewer of Acme
    bob = ProviderIdentity.objects.get(subject="sub-bob").user
    out = io.StringIO()
    call_command("tenant_grant", bob.username, TENANT_ID, "admin", stdout=out)
    assert "is now admin of Acme" in out.getvalue()
    sign_in(Client(), requests.Session(), "bob")
    membership = Membership.objects.get(user=bob)
    assert (membership.role, membership.role_by_hand, membership.role_from_groups) == (
        "admin",
        "admin",
        "viewer",
    )
    portal.update_user("bob", groups=[])  # out of the group: the grant by hand stays
    sign_in(Client(), requests.Session(), "bob")
    membership.refresh_from_db()
    assert (membership.role, membership.role_by_hand, membership.role_from_groups) == (
        "admin",
        "admin",
        "",
    )


def test_a_post_after_the_idle_timeout_waits_for_the_check_and_comes_back(
    portal, acme, client, settings
):
    browser = requests.Session()
    sign_in(client, browser, "alice")
    alice = ProviderIdentity.objects.get(subject="sub-alice").user
    session = client.session
    session["reauthenticated_at"] = time.time()
    session.save()
    check_due(client)
    typed = {"action": "create", "name": "after lunch", "scope": "read", "days": "90"}
    held = client.post("/account/tokens/", typed)
    assert held.status_code == 403 and not ApiToken.objects.exists()
    page = held.content.decode()
    assert "nothing was changed" in page and 'href="/resume/"' in page

    api = client.post(f"/api/tenants/{TENANT_ID}/apps", {"description": "x"}, format="json")
    assert api.status_code == 403 and api.json()["code"] == "session_check"

    due = client.get("/resume/")  # the button: through the silent check, and back
    assert "prompt=none" in due["Location"]
    answer = back_to_portal(client, at_provider(browser, due["Location"], "alice"))
    assert answer["Location"] == "/resume/"
    resume = client.get("/resume/")
    pending = resume.context["pending"]
    assert sorted(pending.fields) == sorted(typed.items())
    made = client.post(pending.path, dict(pending.fields))
    assert made.status_code == 200 and ApiToken.objects.get(user=alice).name == "after lunch"

    # A disabled person's next change is not carried out at all.
    portal.update_user("alice", disabled=True)
    check_due(client)
    assert client.post("/account/tokens/", typed).status_code == 403
    due = client.get("/resume/")
    back_to_portal(client, at_provider(browser, due["Location"], "alice"))
    assert "_auth_user_id" not in client.session
    assert ApiToken.objects.count() == 1
