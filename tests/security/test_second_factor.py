"""A second factor for the portal's own accounts: an authenticator app (TOTP, codes from pyotp as
a phone would make them), one-time recovery codes, LOCAL_MFA, the prompt after the password on
every way in, the confirmation before a secret, and an administrator's reset. Passkeys are
tested in a real browser (tests/e2e/test_journey_passkeys.py)."""

import io
import re
from datetime import timedelta

import pyotp
import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from apps_admin.models import AuditEvent, RecoveryCode, TotpDevice
from tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db
SECURITY = "/account/security/"
VERIFY = "/login/verify/"


def sign_in(client: Client, username: str, path: str = "/login/"):
    return client.post(path, {"username": username, "password": PASSWORD})


def enrol_totp(client: Client) -> tuple[pyotp.TOTP, list[str]]:
    """Set up an authenticator app on the security page, as a person would; its TOTP and the
    recovery codes shown."""
    started = client.post(SECURITY, {"action": "totp_start"})
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', started.content.decode()).group(1)
    phone = pyotp.TOTP(secret)
    done = client.post(SECURITY, {"action": "totp_confirm", "code": phone.now()})
    assert done.status_code == 200, done.content.decode()[:500]
    codes = re.findall(r"<li><code>([a-z2-9-]{19})</code></li>", done.content.decode())
    return phone, codes


def a_later_code(phone: pyotp.TOTP) -> str:
    """The next time step's code: accepted (clock drift), and not the one just used."""
    return phone.at(timezone.now() + timedelta(seconds=30))


def test_an_admin_without_a_second_factor_must_set_one_up_before_anything(client, users, tenant):
    sign_in(client, "alice")
    answer = client.get(f"/tenants/{tenant.tenant_id}/apps/")
    assert answer.status_code == 302 and answer["Location"].startswith(SECURITY)
    page = client.get(answer["Location"]).content.decode()
    assert "must have a second factor" in page
    api = client.get("/api/tenants")
    assert api.status_code == 403 and api.json()["code"] == "second_factor"
    viewer = Client()
    sign_in(viewer, "vera")
    assert viewer.get(f"/tenants/{tenant.tenant_id}/apps/").status_code == 200


def test_enrolment_shows_recovery_codes_once_and_keeps_no_secret_in_clear(
    client, users, tenant, caplog
):
    caplog.set_level("DEBUG")
    sign_in(client, "alice")
    phone, codes = enrol_totp(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(f"/tenants/{tenant.tenant_id}/apps/").status_code == 200
    assert "<li><code>" not in client.get(SECURITY).content.decode()  # shown once
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM apps_admin_totpdevice")
        rows = repr(cursor.fetchall())
        cursor.execute("SELECT digest FROM apps_admin_recoverycode")
        digests = repr(cursor.fetchall())
    assert phone.secret not in rows
    assert TotpDevice.objects.get().secret == phone.secret
    assert not any(code.replace("-", "") in digests or code in digests for code in codes)
    assert phone.secret not in caplog.text and not any(code in caplog.text for code in codes)
    assert AuditEvent.objects.get(action="mfa.enrol").changes == {
        "factor": {"from": None, "to": "authenticator app"}
    }


def test_the_password_is_followed_by_the_code_and_a_code_works_once(client, users, tenant):
    sign_in(client, "alice")
    phone, _codes = enrol_totp(client)
    used = phone.now()

    again = Client()
    answer = sign_in(again, "alice")
    assert answer.status_code == 302
    held = again.get(f"/tenants/{tenant.tenant_id}/apps/")
    assert held["Location"].startswith(VERIFY)
    wrong = again.post(VERIFY, {"code": "000000", "next": "/"})
    assert wrong.status_code == 400 and "not correct" in wrong.content.decode()
    replay = again.post(VERIFY, {"code": used, "next": "/"})
    assert replay.status_code == 400, "a code already accepted must be refused"
    right = again.post(
        VERIFY, {"code": a_later_code(phone), "next": f"/tenants/{tenant.tenant_id}/apps/"}
    )
    assert right.status_code == 302 and right["Location"] == f"/tenants/{tenant.tenant_id}/apps/"
    assert again.get(right["Location"]).status_code == 200
    failed = AuditEvent.objects.filter(action="login.failed", actor_username="alice")
    assert failed.count() == 2


def test_a_recovery_code_signs_in_once(client, users):
    sign_in(client, "alice")
    _phone, codes = enrol_totp(client)
    first = Client()
    sign_in(first, "alice")
    assert first.post(VERIFY, {"code": codes[0].upper(), "next": "/"}).status_code == 302
    second = Client()
    sign_in(second, "alice")
    assert second.post(VERIFY, {"code": codes[0], "next": "/"}).status_code == 400
    assert RecoveryCode.objects.filter(used_at__isnull=False).count() == 1


def test_too_many_wrong_codes_refuse_even_the_right_one(client, users):
    sign_in(client, "alice")
    phone, _codes = enrol_totp(client)
    other = Client()
    sign_in(other, "alice")
    for _ in range(5):
        other.post(VERIFY, {"code": "123456", "next": "/"})
    refused = other.post(VERIFY, {"code": a_later_code(phone), "next": "/"})
    assert refused.status_code == 400 and "Too many wrong codes" in refused.content.decode()


def test_the_admins_break_glass_password_needs_the_second_factor_too(client, users):
    sign_in(client, "root", path="/admin/login/")
    held = client.get("/admin/apps_admin/tenant/")
    assert held.status_code == 302 and held["Location"].startswith(SECURITY)


def test_the_confirmation_before_a_secret_asks_for_the_second_factor(client, users, tenant, app_id):
    sign_in(client, "alice")
    phone, _codes = enrol_totp(client)
    reveal = f"/tenants/{tenant.tenant_id}/apps/{app_id}/secretkey/"
    page = client.get(reveal).content.decode()
    assert "Confirm your password and your second factor" in page and 'name="code"' in page
    alone = client.post(reveal, {"password": PASSWORD})
    assert alone.status_code == 400 and "secret" not in alone.context
    shown = client.post(reveal, {"password": PASSWORD, "code": a_later_code(phone)})
    assert shown.status_code == 200 and shown.context["secret"]


def test_a_required_factor_not_yet_set_up_is_asked_for_before_a_secret(client, users, tenant):
    from tests.helpers import login

    login(client, users["admin"])  # signed in before LOCAL_MFA asked admins for one
    page = client.get(f"/tenants/{tenant.tenant_id}/apps/1000/secretkey/").content.decode()
    assert 'id="enrol-first"' in page and 'name="password"' not in page


@pytest.mark.parametrize(
    ("policy", "asked"),
    [("admins", {"alice", "root"}), ("all", {"alice", "root", "vera"}), ("off", set())],
)
def test_local_mfa_says_who_must_have_a_second_factor(users, settings, policy, asked):
    settings.LOCAL_MFA = policy
    held = set()
    for username in ("vera", "alice", "root"):
        client = Client()
        sign_in(client, username)
        if client.get("/").status_code == 302 and SECURITY in client.get("/")["Location"]:
            held.add(username)
    assert held == asked


def test_with_local_mfa_off_a_person_who_set_one_up_is_still_asked(client, users, settings):
    sign_in(client, "vera")
    enrol_totp(client)
    settings.LOCAL_MFA = "off"
    again = Client()
    sign_in(again, "vera")
    assert again.get("/")["Location"].startswith(VERIFY)


def test_an_administrator_resets_a_lost_second_factor_audited(client, users):
    sign_in(client, "alice")
    enrol_totp(client)
    out = io.StringIO()
    call_command("second_factor_reset", "alice", stdout=out)
    assert "Removed authenticator app, recovery codes of alice" in out.getvalue()
    assert not TotpDevice.objects.exists() and not RecoveryCode.objects.exists()
    event = AuditEvent.objects.get(action="mfa.reset")
    assert event.actor_username == "manage.py"
    assert event.changes["user"] == {"from": None, "to": "alice"}
    again = Client()
    sign_in(again, "alice")
    assert again.get("/")["Location"].startswith(SECURITY)  # to set up a new one
    out = io.StringIO()
    call_command("second_factor_reset", "alice", stdout=out)
    assert "nothing was changed" in out.getvalue()


def test_key_rotation_reencrypts_the_authenticator_seeds(client, users, settings):
    sign_in(client, "alice")
    phone, _codes = enrol_totp(client)
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_encryption_keys", stdout=io.StringIO())
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert TotpDevice.objects.get().secret == phone.secret


def test_removing_the_last_factor_of_an_admin_is_refused(client, users):
    sign_in(client, "alice")
    enrol_totp(client)
    session = client.session
    session["reauthenticated_at"] = timezone.now().timestamp()
    session.save()
    answer = client.post(SECURITY, {"action": "totp_remove"}, follow=True)
    assert "must keep a second factor" in answer.content.decode()
    assert TotpDevice.objects.exists()


def test_before_the_second_factor_the_enrolment_page_is_closed_to_one_who_has_one(client, users):
    sign_in(client, "alice")
    enrol_totp(client)
    again = Client()
    sign_in(again, "alice")
    assert again.get(SECURITY)["Location"].startswith(VERIFY)
    assert again.post(SECURITY, {"action": "totp_start"})["Location"].startswith(VERIFY)
