"""The REST API's front door: `/api/` lists the caller's tenants and where to go; the browsable
API of a large tenant stays light; its documentation reads in the page's language."""

import pytest
from rest_framework.test import APIClient

from tests.helpers import login, token_client

pytestmark = pytest.mark.django_db


def test_the_api_root_lists_the_callers_tenants_and_the_endpoints(users, tenant, other_tenant):
    answer = token_client(users["viewer"]).get("/api/")
    assert answer.status_code == 200
    body = answer.json()
    assert [t["tenant_id"] for t in body["your_tenants"]] == [tenant.tenant_id]
    assert body["your_tenants"][0]["role"] == "viewer"
    assert body["your_tenants"][0]["apps"].endswith(f"/api/tenants/{tenant.tenant_id}/apps")
    assert body["portal"].endswith("/") and body["documentation"].endswith("/api/docs/")
    assert body["api_tokens"].endswith("/account/tokens/")
    assert APIClient().get("/api/").status_code == 401


def test_the_api_root_in_a_browser_links_back_to_the_portal(users, tenant):
    page = login(APIClient(), users["viewer"]).get("/api/", HTTP_ACCEPT="text/html")
    html = page.content.decode()
    assert page.status_code == 200 and "SkyWay apps portal API" in html
    assert f"/api/tenants/{tenant.tenant_id}/apps" in html


def test_the_browsable_api_of_a_large_tenant_shows_a_few_hundred_apps(
    users, emulator_server, emulator
):
    from apps_admin.models import Membership
    from tests.helpers import make_tenant

    big = make_tenant(emulator_server, emulator.create_tenant(apps=2000), name="Big")
    Membership.objects.create(user=users["viewer"], tenant=big, role="viewer")
    client = login(APIClient(), users["viewer"])
    page = client.get(f"/api/tenants/{big.tenant_id}/apps?expandApps", HTTP_ACCEPT="text/html")
    html = page.content.decode()
    assert "Showing the first 200 of 2000 apps" in html
    assert "expandApps=&amp;format=json" in html or "expandApps&amp;format=json" in html
    assert html.count("&quot;apikey&quot;") <= 200 + 1
    whole = client.get(f"/api/tenants/{big.tenant_id}/apps?expandApps&format=json")
    assert len(whole.json()) == 2000


def test_the_documentation_reads_in_the_pages_language(users):
    client = login(APIClient(), users["viewer"])
    japanese = client.get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE="ja").json()
    english = client.get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["info"]["description"].startswith("The ECL apps API")
    assert "テナント" in japanese["info"]["description"]


def test_form_help_texts_carry_no_markup(users, tenant):
    client = login(APIClient(), users["editor"])
    page = client.get(f"/api/tenants/{tenant.tenant_id}/apps/1000", HTTP_ACCEPT="text/html")
    form = page.content.decode().split('data-method="PUT"')[1]
    assert "`active`" not in form and "“active”" in form
