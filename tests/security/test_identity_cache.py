"""Who a request is, held per process (identity_cache.py): a held answer saves the queries, and
every change that grants or revokes access takes effect at the very next request.

Each test first makes the same request twice and checks that the second one read nothing of
the token, the user or the membership from the database (so the answer was held), then makes
the change, then checks the next request."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from apps_admin import identity_cache
from apps_admin.accounts import api_tokens
from apps_admin.accounts.oidc import groups
from apps_admin.models import ApiToken, GroupRole, Membership, Role, Tenant
from bench.stack import free_port
from tests.helpers import login, token_client

pytestmark = pytest.mark.django_db

TENANTS = "/api/tenants"
IDENTITY_TABLES = ("apitoken", "auth_user", "membership", "apps_admin_tenant")


def usage(tenant) -> str:
    """A page of the tenant that reads little besides who is asking."""
    return f"/tenants/{tenant.tenant_id}/usage/?from=2000-01"


def identity_queries(client, path: str) -> tuple[int, list[str]]:
    """The status of GET `path` and the queries it made of the identity tables."""
    with CaptureQueriesContext(connection) as captured:
        status = client.get(path).status_code
    return status, [q["sql"] for q in captured if any(t in q["sql"] for t in IDENTITY_TABLES)]


def held(client, path: str = TENANTS) -> None:
    """GET `path` twice: the second answer comes from what the process holds."""
    assert client.get(path).status_code == 200
    status, queries = identity_queries(client, path)
    assert status == 200
    assert queries == []


def listed(client) -> dict[str, str]:
    """The tenants GET /api/tenants lists: name -> role."""
    return {entry["name"]: entry["role"] for entry in client.get(TENANTS).json()}


def token_client_for(text: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_AUTH_TOKEN=text)
    return client


@pytest.fixture
def vera(users):
    return users["viewer"]


@pytest.fixture
def api(vera):
    return token_client(vera, "read")


# --- API tokens --------------------------------------------------------------------------------


def test_a_held_token_and_role_take_no_query(api, tenant):
    held(api, f"/api/tenants/{tenant.tenant_id}/apps")


def test_a_revoked_token_is_refused_at_the_next_request(vera):
    token, text = api_tokens.issue(vera, name="ci", scope="read")
    client = token_client_for(text)
    held(client)
    api_tokens.revoke(token)
    response = client.get(TENANTS)
    assert response.status_code == 401
    assert "was revoked" in response.json()["detail"]


def test_every_token_revoked_at_once_is_refused_at_the_next_request(vera, api):
    held(api)
    api_tokens.revoke_all(vera)
    assert api.get(TENANTS).status_code == 401


def test_a_token_saved_as_revoked_is_refused_at_the_next_request(vera, api):
    held(api)
    token = ApiToken.objects.get(user=vera)
    token.revoked_at = timezone.now()
    token.save()
    assert api.get(TENANTS).status_code == 401


def test_an_expired_token_is_refused_at_the_next_request_without_a_query(vera, monkeypatch):
    token, text = api_tokens.issue(vera, name="ci", scope="read", days=1)
    client = token_client_for(text)
    held(client)
    later = token.expires_at + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    status, queries = identity_queries(client, TENANTS)
    assert status == 401
    assert queries == []  # the held expiry time decided
    assert "expired" in client.get(TENANTS).json()["detail"]


def test_a_token_deleted_is_unknown_at_the_next_request(vera, api):
    held(api)
    ApiToken.objects.filter(user=vera).delete()
    response = api.get(TENANTS)
    assert response.status_code == 401
    assert "Unknown API token" in response.json()["detail"]


def test_noting_a_tokens_last_use_keeps_what_is_held(vera, api):
    held(api)
    ApiToken.objects.filter(user=vera).update(last_used_at=timezone.now())
    assert identity_queries(api, TENANTS) == (200, [])


# --- The person --------------------------------------------------------------------------------


def test_a_password_change_ends_the_tokens_and_the_session_at_the_next_request(
    vera, api, client, tenant
):
    page = login(client, vera)
    held(page, usage(tenant))
    held(api)
    vera.set_password("another-long-password-42")
    vera.save()
    assert api.get(TENANTS).status_code == 401
    response = page.get(usage(tenant))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_deactivated_person_is_refused_at_the_next_request(vera, api, client, tenant):
    page = login(client, vera)
    held(page, usage(tenant))
    held(api)
    vera.is_active = False
    vera.save(update_fields=["is_active"])
    assert api.get(TENANTS).status_code == 401
    response = page.get(usage(tenant))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_deactivation_by_a_bulk_update_is_refused_at_the_next_request(vera, api, client, tenant):
    page = login(client, vera)
    held(page, usage(tenant))
    held(api)
    get_user_model().objects.filter(pk=vera.pk).update(is_active=False)
    assert api.get(TENANTS).status_code == 401
    assert page.get(usage(tenant)).status_code == 302


def test_a_login_noted_changes_nothing_held(vera, api):
    held(api)
    get_user_model().objects.filter(pk=vera.pk).update(last_login=timezone.now())
    assert identity_queries(api, TENANTS) == (200, [])


def test_a_deleted_person_is_refused_at_the_next_request(vera, api, client, tenant):
    page = login(client, vera)
    held(page, usage(tenant))
    held(api)
    vera.delete()
    assert api.get(TENANTS).status_code == 401
    assert page.get(usage(tenant)).status_code == 302


def test_a_superuser_who_is_one_no_more_sees_only_their_memberships(users, tenant, other_tenant):
    root = users["superuser"]
    Membership.objects.create(user=root, tenant=tenant, role=Role.VIEWER)
    client = token_client(root, "read")
    held(client)
    assert listed(client) == {"Acme": "admin", "Other Corp": "admin"}
    root.is_superuser = False
    root.save()
    assert listed(client) == {"Acme": "viewer"}


# --- Memberships, group roles, tenants ---------------------------------------------------------


def test_a_membership_granted_counts_at_the_next_request(users, tenant):
    mallory = token_client(users["outsider"], "read")
    apps = f"/api/tenants/{tenant.tenant_id}/apps"
    assert mallory.get(apps).status_code == 404
    assert mallory.get(apps).status_code == 404  # held: not a member
    Membership.objects.create(user=users["outsider"], tenant=tenant, role=Role.VIEWER)
    assert mallory.get(apps).status_code == 200


def test_a_role_changed_counts_at_the_next_request(vera, api, tenant):
    held(api)
    membership = Membership.objects.get(user=vera, tenant=tenant)
    membership.role_by_hand = Role.ADMIN
    membership.save()
    assert listed(api) == {"Acme": "admin"}


def test_a_role_changed_by_a_queryset_update_counts_at_the_next_request(vera, api, tenant):
    held(api)
    Membership.objects.filter(user=vera).update(role=Role.EDITOR)
    assert listed(api) == {"Acme": "editor"}


def test_a_membership_removed_counts_at_the_next_request(vera, api, tenant):
    apps = f"/api/tenants/{tenant.tenant_id}/apps"
    held(api, apps)
    Membership.objects.get(user=vera, tenant=tenant).delete()
    assert api.get(apps).status_code == 404
    assert listed(api) == {}


def test_a_membership_removed_by_its_command_counts_at_the_next_request(vera, api, tenant):
    from django.core.management import call_command

    held(api)
    call_command("tenant_grant", "vera", tenant.tenant_id, "--revoke")
    assert listed(api) == {}


def test_roles_from_provider_groups_count_at_the_next_request(users, tenant):
    mallory = users["outsider"]
    client = token_client(mallory, "read")
    held(client)
    GroupRole.objects.create(group="acme-admins", tenant=tenant, role=Role.ADMIN)
    groups.sync(None, mallory, ["acme-admins"])
    assert listed(client) == {"Acme": "admin", "Other Corp": "admin"}
    groups.sync(None, mallory, [])
    assert listed(client) == {"Other Corp": "admin"}


def test_a_group_role_changed_or_removed_replaces_the_version(tenant):
    versions = [identity_cache.current_version()]
    mapping = GroupRole.objects.create(group="acme", tenant=tenant, role=Role.VIEWER)
    versions.append(identity_cache.current_version())
    mapping.role = Role.ADMIN
    mapping.save()
    versions.append(identity_cache.current_version())
    GroupRole.objects.filter(pk=mapping.pk).update(role=Role.EDITOR)
    versions.append(identity_cache.current_version())
    mapping.delete()
    versions.append(identity_cache.current_version())
    assert len(set(versions)) == 5


def test_a_tenant_changed_counts_at_the_next_request(api, tenant):
    held(api)
    tenant.name = "Acme Renamed"
    tenant.save()
    assert listed(api) == {"Acme Renamed": "viewer"}
    Tenant.objects.filter(pk=tenant.pk).update(name="Acme Again")
    assert listed(api) == {"Acme Again": "viewer"}


def test_a_tenant_deleted_counts_at_the_next_request(api, tenant):
    apps = f"/api/tenants/{tenant.tenant_id}/apps"
    held(api, apps)
    tenant.delete()
    assert api.get(apps).status_code == 404


def test_a_tenants_new_address_is_used_at_the_next_request(api, tenant, emulator):
    apps = f"/api/tenants/{tenant.tenant_id}/apps"
    held(api, apps)
    Tenant.objects.filter(pk=tenant.pk).update(api_url="http://127.0.0.1:1")
    assert api.get(apps).status_code == 503  # the held tenant's address is no longer used


# --- The shared cache --------------------------------------------------------------------------


def test_with_the_shared_cache_down_every_request_reads_the_database(
    vera, api, tenant, caplog, monkeypatch
):
    # Its warning comes once a minute per process: not already said by an earlier test.
    monkeypatch.setattr(identity_cache, "_warned_at", {})
    held(api)
    dead = f"redis://127.0.0.1:{free_port()}/0"
    backend = "django.core.cache.backends.redis.RedisCache"
    redis = {"default": {"BACKEND": backend, "LOCATION": dead}}
    with override_settings(CACHES=redis, IDENTITY_CACHE="auto"):
        status, queries = identity_queries(api, TENANTS)
        assert status == 200 and queries  # read, not held
        Membership.objects.filter(user=vera).update(role=Role.ADMIN)  # the cache misses it
        assert listed(api) == {"Acme": "admin"}
    # The cache is back, still holding the version of before: nothing held before it failed
    # is used.
    assert listed(api) == {"Acme": "admin"}
    assert "the shared cache did not answer" in caplog.text


def test_a_held_answer_is_read_again_after_held_for_seconds(vera, api, monkeypatch):
    """The bound for a change that no process could announce (the shared cache was down when
    it was made): a write no receiver sees stands for it here."""
    held(api)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE apps_admin_membership SET role = %s WHERE user_id = %s", ["admin", vera.pk]
        )
    assert listed(api) == {"Acme": "viewer"}  # held
    now = identity_cache.time.monotonic()
    monkeypatch.setattr(identity_cache.time, "monotonic", lambda: now + identity_cache.HELD_FOR)
    assert listed(api) == {"Acme": "admin"}


def test_with_a_cache_of_each_process_nothing_is_held_unless_told(api):
    local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(CACHES=local, IDENTITY_CACHE="auto"):
        assert api.get(TENANTS).status_code == 200
        status, queries = identity_queries(api, TENANTS)
        assert status == 200 and queries


def test_a_signed_in_page_holds_the_user_the_role_and_the_tenant_switcher(client, vera, tenant):
    held(login(client, vera), usage(tenant))


def test_instances_that_name_each_other_are_copied_once_each(vera):
    """A user and their provider identity (each in the other's cache of related objects): the
    copy ends, and keeps the two pointing at each other's copies, never at the held ones."""
    from apps_admin.models import ProviderIdentity

    identity = ProviderIdentity.objects.create(
        user=vera, issuer="https://sso.example", subject="vera", last_seen_at=timezone.now()
    )
    held_user = get_user_model().objects.get(pk=vera.pk)
    held_identity = held_user.provider_identity  # caches the identity on the user...
    assert held_identity.user is held_user  # ...and the user on the identity
    user = identity_cache.instance_copy(held_user)
    assert user is not held_user and user.provider_identity is not held_identity
    assert user.provider_identity.user is user
    assert user.provider_identity.pk == identity.pk
