"""Re-authentication before secrets: inside the window, outside it, and wrong passwords. (The
secret key pages ask for the password in their own form: tests/pages/test_page_secret_key.py.)"""

import time

import pytest
from django.test import RequestFactory, override_settings

from apps_admin.accounts import reauth
from apps_admin.models import AuditEvent
from tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def password_only(settings):
    """The password part of the confirmation; with the second factor (LOCAL_MFA's default
    asks admins for one) in tests/security/test_second_factor.py."""
    settings.LOCAL_MFA = "off"


class FakeSession(dict):
    pass


def request_with_session(confirmed_at=None):
    request = RequestFactory().get("/tenants/x/apps/1/secretkey/")
    request.session = FakeSession()
    if confirmed_at is not None:
        request.session[reauth.SESSION_KEY] = confirmed_at
    return request


def test_inside_the_window_the_confirmation_holds():
    assert reauth.is_recent(request_with_session(time.time() - 10))


@override_settings(REAUTH_WINDOW=600)
def test_outside_the_window_it_does_not():
    for confirmed_at in (None, time.time() - 601, "garbage", time.time() + 3600):
        assert not reauth.is_recent(request_with_session(confirmed_at))
    assert reauth.reauth_url("/tenants/x/") == "/reauth/?next=%2Ftenants%2Fx%2F"


def test_the_confirm_page_has_a_password_field_and_a_confirm_button(client_as):
    page = client_as("admin").get("/reauth/?next=/tenants/x/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<label for="id_password" class="required">Password</label>' in html
    assert 'value="Confirm"' in html
    assert "no-store" in page["Cache-Control"] or "no-cache" in page["Cache-Control"]


def test_the_right_password_opens_the_window_and_returns_to_next(client_as):
    client = client_as("admin")
    response = client.post("/reauth/", {"password": PASSWORD, "next": "/tenants/x/apps/"})
    assert response.status_code == 302
    assert response["Location"] == "/tenants/x/apps/"
    assert time.time() - client.session[reauth.SESSION_KEY] < 5


def test_an_unsafe_next_goes_home_instead(client_as):
    response = client_as("admin").post(
        "/reauth/", {"password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_a_wrong_password_is_refused_audited_and_counts_toward_the_lockout(client_as):
    client = client_as("admin")
    response = client.post("/reauth/", {"password": "wrong", "next": "/"})
    assert response.status_code == 200
    assert b"That password is not correct." in response.content
    assert reauth.SESSION_KEY not in client.session
    event = AuditEvent.objects.get(action="login.failed")
    assert event.actor_username == "alice"
    for _ in range(4):
        response = client.post("/reauth/", {"password": "wrong", "next": "/"})
    assert response.status_code == 429
    assert b"Too many failed attempts" in response.content
    assert client.post("/reauth/", {"password": PASSWORD}).status_code == 429


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get("/reauth/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
