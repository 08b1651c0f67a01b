"""`/account/tokens/`: a person creates (shown once) and revokes their own API token."""

import pytest
from django.test import override_settings
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def page() -> str:
    return reverse("apps_admin:api_tokens")


@pytest.fixture
def vera(client, users):
    """The viewer, signed in, who confirmed her password a moment ago."""
    return login(client, users["viewer"], reauthenticated=True)


def create(client, page):
    return client.post(page, {"action": "create"})


def test_anonymous_is_sent_to_log_in(client, page):
    response = client.get(page)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("apps_admin:login"))


def test_a_person_without_a_token_is_told_so(vera, page):
    response = vera.get(page)
    assert response.status_code == 200
    assert "You have no API token." in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_creating_a_token_shows_it_once_and_it_works(vera, page, users, tenant):
    response = create(vera, page)
    assert response.status_code == 200
    key = Token.objects.get(user=users["viewer"]).key
    assert key in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    # Never again.
    later = vera.get(page).content.decode()
    assert key not in later
    assert "You have a token" in later
    api = APIClient()
    api.credentials(HTTP_X_AUTH_TOKEN=key)
    assert api.get(f"/api/tenants/{tenant.tenant_id}/apps").status_code == 200


def test_the_new_token_is_in_no_url_and_no_message(vera, page, users):
    response = create(vera, page)
    key = Token.objects.get(user=users["viewer"]).key
    assert "Location" not in response  # shown in the answer itself, not after a redirect
    assert not any(key in str(message) for message in response.context["messages"])
    assert key not in vera.cookies.output()


def test_creating_a_new_token_replaces_the_old_one(vera, page, users):
    create(vera, page)
    first = Token.objects.get(user=users["viewer"]).key
    create(vera, page)
    second = Token.objects.get(user=users["viewer"]).key
    assert first != second
    api = APIClient()
    api.credentials(HTTP_X_AUTH_TOKEN=first)
    assert api.get("/api/tenants").status_code == 401


def test_revoking_deletes_the_token_and_scripts_get_401(vera, page, users):
    create(vera, page)
    key = Token.objects.get(user=users["viewer"]).key
    response = vera.post(page, {"action": "revoke"})
    assert response.status_code == 302
    assert response["Location"] == page
    assert not Token.objects.filter(user=users["viewer"]).exists()
    api = APIClient()
    api.credentials(HTTP_X_AUTH_TOKEN=key)
    assert api.get("/api/tenants").status_code == 401
    assert "revoked" in vera.get(page).content.decode()


def test_creating_a_token_needs_a_recent_password_confirmation(client, users, page):
    login(client, users["viewer"])
    response = create(client, page)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("apps_admin:reauth"))
    assert not Token.objects.filter(user=users["viewer"]).exists()


def test_revoking_needs_no_password_confirmation(client, users, page):
    Token.objects.create(user=users["viewer"])
    login(client, users["viewer"])
    client.post(page, {"action": "revoke"})
    assert not Token.objects.filter(user=users["viewer"]).exists()


def test_changes_need_the_csrf_token(users, page):
    from django.test import Client

    client = login(Client(enforce_csrf_checks=True), users["viewer"], reauthenticated=True)
    assert client.post(page, {"action": "create"}).status_code == 403
    assert not Token.objects.filter(user=users["viewer"]).exists()


def test_a_person_only_ever_touches_their_own_token(vera, page, users):
    other = Token.objects.create(user=users["editor"])
    create(vera, page)
    vera.post(page, {"action": "revoke"})
    assert Token.objects.filter(pk=other.pk).exists()
    assert other.key not in vera.get(page).content.decode()


def test_an_unknown_action_is_400(vera, page):
    assert vera.post(page, {"action": "steal"}).status_code == 400


@override_settings(REAUTH_WINDOW=0)
def test_an_expired_confirmation_asks_again(vera, page, users):
    assert create(vera, page).status_code == 302
    assert not Token.objects.filter(user=users["viewer"]).exists()
