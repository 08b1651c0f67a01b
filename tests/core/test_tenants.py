"""Tenants: the ECL API secret is encrypted at rest, write-only in admin, rotatable, never argv."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from apps_admin import crypto
from apps_admin.models import Tenant

pytestmark = pytest.mark.django_db

SECRET = "plaintext-api-secret-Hq93"
TENANT_ID = "0123456789abcdef0123456789abcdef"
NO_MEMBERSHIPS = {"memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"}


def stored_row(tenant_id: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM apps_admin_tenant WHERE tenant_id = %s", [tenant_id])
        return repr(cursor.fetchall())


def new_tenant(**fields) -> Tenant:
    tenant = Tenant(name="Acme", tenant_id=TENANT_ID, region="jp1", api_key="key", **fields)
    tenant.set_api_secret(SECRET)
    tenant.save()
    return tenant


def test_the_api_secret_is_not_stored_in_plaintext():
    new_tenant()
    row = stored_row(TENANT_ID)
    assert TENANT_ID in row
    assert SECRET not in row
    assert Tenant.objects.get().api_secret == SECRET


def test_a_wrong_key_raises_instead_of_returning_the_ciphertext():
    new_tenant()
    other_key = Fernet.generate_key().decode()
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[other_key]),
        pytest.raises(crypto.SecretUndecryptable, match="FIELD_ENCRYPTION_KEYS"),
    ):
        Tenant.objects.get().api_secret  # noqa: B018


def test_rotation_reencrypts_with_the_first_key_and_old_keys_still_decrypt():
    from django.conf import settings

    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_tenant()
    before = Tenant.objects.get().api_secret_encrypted
    new_key = Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, old_key]):
        call_command("rotate_encryption_keys", stdout=io.StringIO())
        after = Tenant.objects.get().api_secret_encrypted
    assert after != before
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):
        assert Tenant.objects.get().api_secret == SECRET


def test_rotation_changes_nothing_when_a_secret_cannot_be_decrypted():
    new_tenant()
    before = Tenant.objects.get().api_secret_encrypted
    other_key = Fernet.generate_key().decode()
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[other_key]),
        pytest.raises(CommandError, match="Nothing was changed"),
    ):
        call_command("rotate_encryption_keys", stdout=io.StringIO())
    assert Tenant.objects.get().api_secret_encrypted == before


def test_the_regions_urls_are_derived_and_overrides_win():
    tenant = Tenant(region="de1")
    assert tenant.identity_endpoint == "https://keystone-de1-ecl.api.ntt.com/v3"
    assert tenant.api_endpoint == "https://webrtc-de1-ecl.api.ntt.com"
    tenant.identity_url, tenant.api_url = "http://127.0.0.1:8001/v3/", "http://127.0.0.1:8001"
    assert tenant.identity_endpoint == "http://127.0.0.1:8001/v3"
    assert tenant.api_endpoint == "http://127.0.0.1:8001"


def test_tenant_add_reads_the_secret_from_the_environment(monkeypatch):
    monkeypatch.setenv("ECL_API_SECRET", SECRET)
    out = io.StringIO()
    call_command(
        "tenant_add",
        "--name",
        "Acme",
        "--tenant-id",
        TENANT_ID.upper(),
        "--region",
        "jp2",
        "--api-key",
        "key-1",
        stdout=out,
    )
    tenant = Tenant.objects.get()
    assert (tenant.tenant_id, tenant.region, tenant.api_key) == (TENANT_ID, "jp2", "key-1")
    assert tenant.api_secret == SECRET
    assert SECRET not in out.getvalue()


def test_tenant_add_reads_the_secret_from_stdin_and_updates_an_existing_tenant(monkeypatch):
    new_tenant()
    monkeypatch.delenv("ECL_API_SECRET", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO("new-secret\n"))
    call_command(
        "tenant_add",
        "--name",
        "Renamed",
        "--tenant-id",
        TENANT_ID,
        "--identity-url",
        "http://127.0.0.1:8001/v3",
        "--api-url",
        "http://127.0.0.1:8001",
        "--api-key",
        "key-2",
        "--api-secret-stdin",
        stdout=io.StringIO(),
    )
    tenant = Tenant.objects.get()
    assert tenant.name == "Renamed"
    assert tenant.api_secret == "new-secret"
    assert tenant.api_endpoint == "http://127.0.0.1:8001"


def test_tenant_add_refuses_without_a_secret_and_has_no_secret_argument(monkeypatch):
    monkeypatch.delenv("ECL_API_SECRET", raising=False)
    with pytest.raises(CommandError, match="ECL_API_SECRET"):
        call_command(
            "tenant_add",
            "--name",
            "A",
            "--tenant-id",
            TENANT_ID,
            "--region",
            "jp1",
            "--api-key",
            "k",
        )
    with pytest.raises(CommandError):
        call_command(
            "tenant_add",
            "--name",
            "A",
            "--tenant-id",
            TENANT_ID,
            "--region",
            "jp1",
            "--api-key",
            "k",
            "--api-secret",
            SECRET,
        )
    assert not Tenant.objects.exists()


def test_tenant_add_rejects_a_malformed_tenant_id(monkeypatch):
    monkeypatch.setenv("ECL_API_SECRET", SECRET)
    with pytest.raises(CommandError, match="32 hexadecimal"):
        call_command(
            "tenant_add",
            "--name",
            "A",
            "--tenant-id",
            "not-hex",
            "--region",
            "jp1",
            "--api-key",
            "k",
        )


def test_admin_never_shows_the_secret_and_empty_keeps_it(admin_client):
    tenant = new_tenant()
    page = admin_client.get(f"/admin/apps_admin/tenant/{tenant.pk}/change/")
    assert page.status_code == 200
    assert SECRET.encode() not in page.content
    assert tenant.api_secret_encrypted.encode() not in page.content
    assert b"Leave empty to keep" in page.content
    response = admin_client.post(
        f"/admin/apps_admin/tenant/{tenant.pk}/change/",
        {
            "name": "Acme 2",
            "tenant_id": TENANT_ID,
            "region": "jp1",
            "identity_url": "",
            "api_url": "",
            "api_key": "key",
            "api_secret": "",
            **NO_MEMBERSHIPS,
        },
    )
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.name == "Acme 2"
    assert tenant.api_secret == SECRET


def test_admin_requires_a_secret_for_a_new_tenant(admin_client):
    response = admin_client.post(
        "/admin/apps_admin/tenant/add/",
        {
            "name": "New",
            "tenant_id": TENANT_ID,
            "region": "jp1",
            "identity_url": "",
            "api_url": "",
            "api_key": "key",
            "api_secret": "",
            **NO_MEMBERSHIPS,
        },
    )
    assert response.status_code == 200
    assert b"Enter the tenant" in response.content
    assert not Tenant.objects.exists()


def test_a_staff_user_who_is_not_superuser_cannot_see_tenants(client, django_user_model):
    user = django_user_model.objects.create_user("bob", password="pw", is_staff=True)
    client.force_login(user)
    assert client.get("/admin/apps_admin/tenant/").status_code == 403
