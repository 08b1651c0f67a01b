"""Sessions: idle expiry, logout by POST, deactivation, and the login lockout."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessAttemptExpiration
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.utils import timezone

from apps_admin.models import AuditEvent
from tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db


def log_in(client, username, password=PASSWORD, *, address="127.0.0.1", forwarded=None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post(
        "/login/",
        {"username": username, "password": password},
        headers=headers,
        REMOTE_ADDR=address,
    )


def test_logging_in_works_and_lands_on_the_home_page(client, users):
    response = log_in(client, "vera")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_session_lasts_the_idle_timeout_and_is_renewed_by_each_request(client, users):
    log_in(client, "vera")
    assert client.session.get_expiry_age() == 1800
    session = Session.objects.get()
    session.expire_date = timezone.now() + timedelta(seconds=5)
    session.save()
    client.get("/")
    assert Session.objects.get().expire_date > timezone.now() + timedelta(seconds=1700)


def test_an_idle_session_has_ended(client, users):
    log_in(client, "vera")
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@override_settings(SESSION_COOKIE_AGE=60)
def test_the_idle_timeout_is_a_setting(client, users):
    log_in(client, "vera")
    assert client.session.get_expiry_age() == 60


def test_logout_is_a_post_and_ends_the_session(client, users):
    log_in(client, "vera")
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert not Session.objects.exists() or client.get("/").status_code == 302
    assert client.get("/").status_code == 302


def test_deactivating_a_user_ends_their_sessions(client, users):
    log_in(client, "vera")
    assert client.get("/").status_code in (200, 302)
    users["viewer"].is_active = False
    users["viewer"].save()
    response = client.get("/reauth/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_five_failures_lock_the_username_for_that_address_with_a_clear_message(client, users):
    for _ in range(4):
        response = log_in(client, "vera", "wrong")
        assert response.status_code == 200
        assert b"Please enter a correct username and password" in response.content
    response = log_in(client, "vera", "wrong")
    assert response.status_code == 429
    response = log_in(client, "vera")  # the right password, too late
    assert response.status_code == 429
    assert b"Too many failed attempts" in response.content
    assert b"15 minutes" in response.content
    assert AuditEvent.objects.filter(action="login.failed", actor_username="vera").count() >= 5


def test_the_lock_is_per_username_and_address(client, users):
    for _ in range(5):
        log_in(client, "vera", "wrong", address="10.0.0.1")
    assert log_in(client, "eddie").status_code == 302
    assert log_in(client, "vera", address="127.0.0.1").status_code == 302


def test_the_lock_ends_after_the_cool_off(client, users):
    for _ in range(5):
        log_in(client, "vera", "wrong")
    assert log_in(client, "vera").status_code == 429
    past = timezone.now() - timedelta(minutes=16)
    AccessAttempt.objects.update(attempt_time=past)
    AccessAttemptExpiration.objects.update(expires_at=past + timedelta(minutes=15))
    assert log_in(client, "vera").status_code == 302


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_trusted_proxy_the_client_is_the_address_it_saw(client, users):
    # The proxy appends the address it saw; whatever the client wrote before it is ignored.
    for number in range(5):
        log_in(client, "vera", "wrong", forwarded=f"10.0.0.{number}, 203.0.113.7")
    assert log_in(client, "vera", forwarded="10.9.9.9, 203.0.113.7").status_code == 429
    assert log_in(client, "vera", forwarded="198.51.100.2").status_code == 302
    event = AuditEvent.objects.filter(action="login.failed").first()
    assert event.client_ip == "203.0.113.7"


@pytest.mark.parametrize("proto", [False, True])
def test_without_a_trusted_proxy_a_forwarded_address_is_ignored(client, users, proto):
    # Trusting X-Forwarded-Proto says nothing of X-Forwarded-For.
    with override_settings(TRUST_X_FORWARDED_PROTO=proto):
        for number in range(5):
            log_in(client, "vera", "wrong", forwarded=f"203.0.113.{number}")
        assert log_in(client, "vera", forwarded="198.51.100.2").status_code == 429
    assert set(
        AuditEvent.objects.filter(action="login.failed").values_list("client_ip", flat=True)
    ) == {"127.0.0.1"}


@override_settings(TRUSTED_PROXY_COUNT=1, LOGIN_FAILURES_PER_USERNAME=20)
def test_a_username_stops_at_its_ceiling_whatever_the_addresses(client, users):
    for number in range(20):
        response = log_in(client, "vera", "wrong", forwarded=f"203.0.113.{number}")
        assert response.status_code == 200  # one try an address: axes never locks one
    response = log_in(client, "vera", forwarded="198.51.100.99")  # the right password
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert log_in(client, "eddie", forwarded="198.51.100.99").status_code == 302


def test_the_session_is_written_at_most_once_a_minute_while_in_use(client, users):
    log_in(client, "vera")
    client.get("/")  # renews the expiry once
    first = Session.objects.get().expire_date
    Session.objects.update(expire_date=first - timedelta(seconds=30))
    client.get("/")  # within the minute: no write
    assert Session.objects.get().expire_date == first - timedelta(seconds=30)
    session = client.session
    session["_idle_renewed_at"] = 0  # as if the last renewal were long ago
    session.save()
    client.get("/")
    assert Session.objects.get().expire_date > timezone.now() + timedelta(seconds=1700)
