"""`/account/tokens/`: a person lists, creates (shown once) and revokes their own API tokens;
superusers see and revoke everyone's in Django admin."""

import logging
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps_admin.accounts import api_tokens
from apps_admin.models import ApiToken, AuditEvent
from tests.helpers import PASSWORD, login

pytestmark = pytest.mark.django_db

NEW = {"action": "create", "name": "deploy script", "scope": "write", "days": "90"}


@pytest.fixture
def page() -> str:
    return reverse("apps_admin:api_tokens")


@pytest.fixture
def vera(client, users):
    """The viewer, signed in, who confirmed her password a moment ago."""
    return login(client, users["viewer"], reauthenticated=True)


def create(client, page, **fields):
    return client.post(page, {**NEW, **fields})


def shown_token(response) -> str:
    return response.context["new_token"]


def api_status(text: str, path: str = "/api/tenants") -> int:
    client = APIClient()
    client.credentials(HTTP_X_AUTH_TOKEN=text)
    return client.get(path).status_code


def revoke(client, page, token: ApiToken):
    """Revoke as the row's question does: with its "yes"."""
    return client.post(page, {"action": "revoke", "token": str(token.pk), "confirm": "yes"})


# --- Listing ----------------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(client, page):
    response = client.get(page)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("apps_admin:login"))


def test_a_person_without_a_token_is_told_so(vera, page):
    response = vera.get(page)
    assert response.status_code == 200
    assert "You have no API token." in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_the_page_lists_live_tokens_and_greys_those_that_ended(vera, page, users):
    viewer = users["viewer"]
    live, _text = api_tokens.issue(viewer, name="nightly report", scope="read")
    ApiToken.objects.filter(pk=live.pk).update(last_used_at=timezone.now())
    revoked, _text = api_tokens.issue(viewer, name="old laptop", scope="write")
    api_tokens.revoke(revoked)
    expired, _text = api_tokens.issue(viewer, name="last quarter", scope="read")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    forgotten, _text = api_tokens.issue(viewer, name="long gone", scope="read")
    ApiToken.objects.filter(pk=forgotten.pk).update(expires_at=timezone.now() - timedelta(days=60))
    api_tokens.issue(users["editor"], name="eddie's own", scope="secrets")

    response = vera.get(page)
    assert list(response.context["live"]) == [live]
    assert set(response.context["ended"]) == {revoked, expired}
    html = response.content.decode()
    assert "nightly report" in html and "Read only" in html
    assert f"{live.expires_at:%Y-%m-%d}" in html
    assert "You have no API token." not in html
    ended = html.split('id="ended-tokens"')[1]
    assert "old laptop" in ended and "revoked" in ended
    assert "last quarter" in ended and "expired" in ended
    assert "long gone" not in html
    assert "eddie's own" not in html
    assert html.count('name="action" value="revoke"') == 1  # only the live token


# --- Creating ---------------------------------------------------------------------------------


def test_creating_a_token_shows_it_once_and_it_works(vera, page, users, tenant):
    response = create(vera, page)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = shown_token(response)
    html = response.content.decode()
    assert f'<code id="token-key">{text}</code>' in html
    assert f'data-copy="{text}"' in html  # the project's copy button
    token = ApiToken.objects.get(user=users["viewer"])
    assert (token.name, token.scope) == ("deploy script", "write")
    assert token.expires_at - token.created_at == timedelta(days=90)
    # Never again.
    later = vera.get(page).content.decode()
    assert text not in later
    assert "deploy script" in later
    assert api_status(text, f"/api/tenants/{tenant.tenant_id}/apps") == 200


def test_the_chosen_scope_and_lifetime_are_kept(vera, page, users):
    create(vera, page, scope="secrets", days="30")
    token = ApiToken.objects.get(user=users["viewer"])
    assert token.scope == "secrets"
    assert token.expires_at - token.created_at == timedelta(days=30)


def test_a_new_token_leaves_the_others_alone(vera, page, users):
    first = shown_token(create(vera, page, name="one"))
    second = shown_token(create(vera, page, name="two"))
    assert first != second
    assert api_status(first) == 200 and api_status(second) == 200
    assert ApiToken.objects.filter(user=users["viewer"]).live().count() == 2


@pytest.mark.parametrize(
    "fields",
    [{"name": ""}, {"name": "x" * 101}, {"scope": "admin"}, {"days": "400"}, {"days": "7"}],
)
def test_a_wrong_form_is_shown_again_and_makes_nothing(vera, page, users, fields):
    response = create(vera, page, **fields)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not response.context["new_token"]
    assert not ApiToken.objects.exists()


def test_the_new_token_is_in_no_url_no_message_no_cookie(vera, page):
    response = create(vera, page)
    text = shown_token(response)
    assert "Location" not in response  # shown in the answer itself, not after a redirect
    assert not any(text in str(message) for message in response.context["messages"])
    assert text not in vera.cookies.output()


def test_creating_is_audited_with_name_and_scope_but_never_the_token(vera, page, users, caplog):
    with caplog.at_level(logging.DEBUG):
        text = shown_token(create(vera, page))
    event = AuditEvent.objects.get(action="token.create")
    assert event.actor_username == "vera"
    assert event.changes["name"] == {"from": None, "to": "deploy script"}
    assert event.changes["scope"] == {"from": None, "to": "write"}
    secret = text.split("_", 2)[2]
    assert secret not in repr(list(AuditEvent.objects.values()))
    assert secret not in caplog.text


def test_creating_a_token_asks_for_the_password_in_the_form_and_keeps_what_was_typed(
    client, users, page
):
    login(client, users["viewer"])
    shown = client.get(page).content.decode()
    assert "Confirm your password to create this token" in shown
    typed = {**NEW, "name": "nightly export", "scope": "write", "days": "180"}
    response = client.post(page, typed)
    assert response.status_code == 400 and not ApiToken.objects.exists()
    form = response.context["form"]
    assert (form["name"].value(), form["scope"].value(), form["days"].value()) == (
        "nightly export",
        "write",
        "180",
    )
    wrong = client.post(page, {**typed, "password": "not-it"})
    assert wrong.status_code == 400 and "That password is not correct." in wrong.content.decode()
    assert wrong.context["form"]["name"].value() == "nightly export"
    made = client.post(page, {**typed, "password": PASSWORD})
    assert made.status_code == 200 and shown_token(made).startswith("swp_")
    token = ApiToken.objects.get()
    assert (token.name, token.scope) == ("nightly export", "write")
    assert "Confirm your password" not in client.get(page).content.decode()  # confirmed now


@override_settings(REAUTH_WINDOW=0)
def test_an_expired_confirmation_asks_again(vera, page):
    assert create(vera, page).status_code == 400
    assert not ApiToken.objects.exists()


def test_changes_need_the_csrf_token(users, page):
    client = login(Client(enforce_csrf_checks=True), users["viewer"], reauthenticated=True)
    assert create(client, page).status_code == 403
    assert not ApiToken.objects.exists()


def test_an_unknown_action_is_400(vera, page):
    assert vera.post(page, {"action": "steal"}).status_code == 400


# --- Revoking ---------------------------------------------------------------------------------


def test_revoking_ends_the_token_and_scripts_get_401(vera, page, users):
    text = shown_token(create(vera, page))
    token = ApiToken.objects.get(user=users["viewer"])
    response = revoke(vera, page, token)
    assert response.status_code == 302
    assert response["Location"] == page
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api_status(text) == 401
    assert "was revoked" in vera.get(page).content.decode()
    event = AuditEvent.objects.get(action="token.revoke")
    assert event.actor_username == "vera"
    assert event.changes["name"] == {"from": "deploy script", "to": None}


def test_revoking_is_asked_first_in_the_tokens_row_and_changes_nothing_until_yes(vera, page, users):
    create(vera, page)
    token = ApiToken.objects.get(user=users["viewer"])
    html = vera.get(page).content.decode()
    assert "Revoke…" in html and f'id="revoke-{token.pk}"' in html
    assert f'<details class="confirm-action" id="revoke-{token.pk}" open' not in html
    # A POST without the answer (an old page, a script) only opens the question.
    response = vera.post(page, {"action": "revoke", "token": str(token.pk)})
    assert response.status_code == 302
    assert response["Location"] == f"{page}?revoke={token.pk}#revoke-{token.pk}"
    token.refresh_from_db()
    assert token.revoked_at is None
    assert not AuditEvent.objects.filter(action="token.revoke").exists()
    asked = vera.get(response["Location"]).content.decode()
    assert f'<details class="confirm-action" id="revoke-{token.pk}" open>' in asked
    assert "Scripts that use “deploy script” get 401 at once." in asked
    assert "Yes, revoke “deploy script”" in asked


def test_revoking_needs_no_password_confirmation(client, users, page):
    token, _text = api_tokens.issue(users["viewer"], name="ci", scope="read")
    login(client, users["viewer"])
    revoke(client, page, token)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_another_persons_token_cannot_be_revoked(vera, page, users):
    other, text = api_tokens.issue(users["editor"], name="eddie's", scope="write")
    response = revoke(vera, page, other)
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=other.pk).revoked_at is None
    assert api_status(text) == 200
    assert not AuditEvent.objects.filter(action="token.revoke").exists()


@pytest.mark.parametrize(
    "token_id", ["", "abc", "99999", "1" * 40, "\u0661"]
)  # the last: an Arabic-Indic digit one
def test_revoking_no_such_token_is_404(vera, page, token_id):
    assert vera.post(page, {"action": "revoke", "token": token_id}).status_code == 404


def test_revoking_twice_is_harmless(vera, page, users):
    token, _text = api_tokens.issue(users["viewer"], name="ci", scope="read")
    revoke(vera, page, token)
    assert revoke(vera, page, token).status_code == 302
    assert AuditEvent.objects.filter(action="token.revoke").count() == 1


# --- Django admin -----------------------------------------------------------------------------


@pytest.fixture
def root(client, users):
    return login(client, users["superuser"])


CHANGELIST = "/admin/apps_admin/apitoken/"


def test_superusers_see_every_token_but_never_a_digest(root, users):
    token, _text = api_tokens.issue(users["viewer"], name="nightly", scope="read")
    api_tokens.issue(users["editor"], name="deploy", scope="write")
    html = root.get(CHANGELIST).content.decode()
    assert "nightly" in html and "deploy" in html and token.prefix in html
    assert token.digest not in html
    detail = root.get(f"{CHANGELIST}{token.pk}/change/").content.decode()
    assert token.prefix in detail and token.digest not in detail
    assert 'name="name"' not in detail  # read-only


def test_no_token_is_made_or_changed_in_admin(root, users):
    token, _text = api_tokens.issue(users["viewer"], name="nightly", scope="read")
    assert root.get(f"{CHANGELIST}add/").status_code == 403
    root.post(f"{CHANGELIST}{token.pk}/change/", {"name": "renamed", "scope": "secrets"})
    token.refresh_from_db()
    assert (token.name, token.scope) == ("nightly", "read")
    assert root.post(f"{CHANGELIST}{token.pk}/delete/", {"post": "yes"}).status_code == 403


def test_the_revoke_action_revokes_the_chosen_tokens_audited(root, users):
    chosen = [api_tokens.issue(users[who], name=who, scope="read") for who in ("viewer", "editor")]
    kept, kept_text = api_tokens.issue(users["admin"], name="admin", scope="read")
    response = root.post(
        CHANGELIST,
        {"action": "revoke", "_selected_action": [str(token.pk) for token, _text in chosen]},
    )
    assert response.status_code == 302
    for token, text in chosen:
        assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
        assert api_status(text) == 401
    assert ApiToken.objects.get(pk=kept.pk).revoked_at is None
    assert api_status(kept_text) == 200
    events = AuditEvent.objects.filter(action="token.revoke")
    assert {e.changes["user"]["from"] for e in events} == {"vera", "eddie"}
    assert {e.actor_username for e in events} == {"root"}


def test_people_who_are_not_superusers_have_no_token_admin(client, users):
    users["admin"].is_staff = True
    users["admin"].save()
    login(client, users["admin"])
    assert client.get(CHANGELIST).status_code in (302, 403)
