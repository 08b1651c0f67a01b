"""The landing page and the header shared by every page: tenant switcher, user links."""

import pytest

from apps_admin.models import Membership, Tenant

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_log_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_member_of_one_tenant_goes_straight_to_its_apps(client_as, tenant, emulator):
    emulator.reset_stats()
    response = client_as("viewer").get("/")
    assert response.status_code == 302
    assert response["Location"] == f"/tenants/{tenant.tenant_id}/apps/"
    assert emulator.stats()["api_calls"] == 0


def test_a_member_of_several_tenants_chooses_one(client_as, tenant, users):
    second = Tenant(name="Beta", tenant_id="b" * 32, api_key="k")
    second.set_api_secret("s")
    second.save()
    Membership.objects.create(user=users["viewer"], tenant=second, role="editor")
    response = client_as("viewer").get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="/tenants/{tenant.tenant_id}/apps/"' in html
    assert f'href="/tenants/{second.tenant_id}/apps/"' in html
    assert "Editor" in html


def test_a_user_without_tenants_is_told_to_ask_for_access(client, django_user_model):
    user = django_user_model.objects.create_user("newbie", password="x")
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert "Ask an administrator for access" in response.content.decode()


def test_the_header_switcher_appears_only_with_several_tenants(client_as, tenant, users):
    client = client_as("viewer")
    apps_page = f"/tenants/{tenant.tenant_id}/apps/"
    assert 'class="tenant-switcher"' not in client.get(apps_page).content.decode()
    second = Tenant(name="Beta", tenant_id="b" * 32, api_key="k")
    second.set_api_secret("s")
    second.save()
    Membership.objects.create(user=users["viewer"], tenant=second, role="viewer")
    html = client.get(apps_page).content.decode()
    assert 'class="tenant-switcher"' in html
    assert "Tenant: Acme" in html
    assert f'href="/tenants/{second.tenant_id}/apps/"' in html


def test_the_header_costs_one_query_for_the_switcher(
    client_as, tenant, django_assert_max_num_queries
):
    client = client_as("viewer")
    client.get("/")
    # Session, user, tenant, role, one for the switcher, and the session save (3 with savepoints).
    with django_assert_max_num_queries(8):
        client.get(f"/tenants/{tenant.tenant_id}/apps/")


def test_admin_pages_share_the_portal_header(client_as):
    html = client_as("superuser").get("/admin/").content.decode()
    assert "SkyWay apps portal" in html and "apps_admin/portal.css" in html
    assert ">Log out</button>" in html


def test_the_login_page_has_the_accessible_names(client):
    html = client.get("/login/").content.decode()
    assert "Username" in html and "Password" in html and 'value="Log in"' in html
