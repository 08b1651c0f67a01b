"""The apps list page and its CSV export, against the emulator over real HTTP."""

import csv
import io
import re

import pytest
from django.test import override_settings

from apps_admin.models import AuditEvent

pytestmark = pytest.mark.django_db

LIST_ROUTE = "GET /tenants/{tenant_id}/apps"


def url(tenant, suffix: str = "") -> str:
    return f"/tenants/{tenant.tenant_id}/apps/{suffix}"


def list_calls(emulator) -> int:
    return emulator.stats()["calls"].get(LIST_ROUTE, 0)


def app_ids(response) -> list[str]:
    """The app ids of the table's rows, in order."""
    html = response.content.decode()
    return re.findall(r'<td class="column-id"[^>]*><code>([^<]+)</code>', html)


@pytest.fixture
def big_tenant(db, emulator, emulator_server, users):
    """A portal tenant with 120 apps at the emulator that the `users` are members of."""
    from apps_admin.models import Membership
    from tests.helpers import make_tenant

    credentials = emulator.create_tenant(apps=120)
    tenant = make_tenant(emulator_server, credentials, name="Big")
    Membership.objects.create(user=users["viewer"], tenant=tenant, role="viewer")
    Membership.objects.create(user=users["editor"], tenant=tenant, role="editor")
    return tenant


def test_viewer_sees_every_app_with_one_upstream_call(client_as, tenant, emulator):
    client = client_as("viewer")
    emulator.reset_stats()
    response = client.get(url(tenant))
    assert response.status_code == 200
    assert emulator.stats()["api_calls"] == 1
    assert list_calls(emulator) == 1
    assert len(app_ids(response)) == 3
    html = response.content.decode()
    assert 'name="q"' in html and 'value="Search"' in html
    # A viewer gets neither the Add link nor the bulk actions.
    assert "Add app" not in html
    assert "Suspend selected" not in html


def test_editor_sees_add_link_and_bulk_actions(client_as, tenant):
    html = client_as("editor").get(url(tenant)).content.decode()
    assert ">Add app</a>" in html
    assert "Suspend selected" in html and "Activate selected" in html
    assert 'name="app"' in html


def test_a_cached_token_means_no_token_request(client_as, tenant, emulator):
    client = client_as("viewer")
    client.get(url(tenant))
    emulator.reset_stats()
    assert client.get(url(tenant)).status_code == 200
    assert emulator.stats()["auth_calls"] == 0
    assert emulator.stats()["api_calls"] == 1


def test_the_page_extends_django_admin_and_has_no_inline_script(client_as, tenant):
    html = client_as("viewer").get(url(tenant)).content.decode()
    assert 'id="header"' in html and "SkyWay apps portal" in html
    assert "apps_admin/portal.js" in html and "apps_admin/portal.css" in html
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assert re.search(r"\son[a-z]+=", html) is None  # no inline event handlers
    assert "style=" not in html
    assert "cdn" not in html.lower()


def test_search_matches_description_id_apikey_and_domain(client_as, big_tenant, emulator):
    from apps_admin import ecl

    apps = ecl.app_list(big_tenant)
    target = apps[7]
    client = client_as("viewer")
    for term in (target.id, target.apikey, target.apikey.upper()):
        assert target.id in app_ids(client.get(url(big_tenant), {"q": term}))
    with_domain = next(a for a in apps if a.domains)
    found = app_ids(client.get(url(big_tenant), {"q": with_domain.domains[0]}))
    assert with_domain.id in found
    term = with_domain.domains[0]
    assert all(
        any(term in d for d in a.domains) or term in a.description for a in apps if a.id in found
    )


def test_filters_select_by_status_permission_and_recording(client_as, big_tenant):
    from apps_admin import ecl

    apps = {a.id: a for a in ecl.app_list(big_tenant)}
    client = client_as("viewer")
    suspended = app_ids(client.get(url(big_tenant), {"status": "suspended"}))
    assert suspended and all(apps[i].status == "suspended" for i in suspended)
    turn = app_ids(client.get(url(big_tenant), {"permission": "TURN", "o": "id"}))
    expected_turn = [i for i in apps if "TURN" in apps[i].permissions][:50]
    assert turn == expected_turn
    recording = app_ids(client.get(url(big_tenant), {"recording": "active"}))
    assert all(apps[i].recording_status == "active" for i in recording)
    none = app_ids(client.get(url(big_tenant), {"permission": "none"}))
    assert all(not apps[i].permissions for i in none)


def test_sorting_by_a_column_and_reversing_it(client_as, big_tenant):
    from apps_admin import ecl

    apps = ecl.app_list(big_tenant)
    client = client_as("viewer")
    by_description = app_ids(client.get(url(big_tenant), {"o": "description"}))
    expected = sorted(apps, key=lambda a: (a.description.casefold(), int(a.id)))
    assert by_description == [a.id for a in expected[:50]]
    by_turn = app_ids(client.get(url(big_tenant), {"o": "-turn"}))
    turns = {a.id: a.usage[-1].turn for a in apps}
    assert [turns[i] for i in by_turn] == sorted(turns.values(), reverse=True)[:50]


def test_pages_of_fifty_rows_and_the_query_string_is_kept(client_as, big_tenant):
    client = client_as("viewer")
    first = client.get(url(big_tenant), {"o": "-id"})
    assert len(app_ids(first)) == 50
    html = first.content.decode()
    assert "1\u201350 of 120 \u00b7 page 1 of 3" in html  # an en dash, a middle dot
    assert 'href="?o=-id&amp;page=2"' in html
    # The same pager above and below the table.
    assert html.count('<nav class="paginator pager"') == 2
    third = client.get(url(big_tenant), {"o": "-id", "page": "3"})
    assert len(app_ids(third)) == 20
    assert app_ids(third)[-1] == "1000"  # ids from 1000, descending
    # Sort links keep the search and filters and go back to page 1.
    searched = client.get(url(big_tenant), {"q": "office", "status": "active", "page": "2"})
    assert 'href="?q=office&amp;status=active&amp;o=description"' in searched.content.decode()


def test_a_page_past_the_end_shows_the_last_page(client_as, big_tenant):
    response = client_as("viewer").get(url(big_tenant), {"p": "99"})
    assert response.status_code == 200
    assert len(app_ids(response)) == 20


def test_unknown_query_values_are_ignored(client_as, tenant):
    response = client_as("viewer").get(
        url(tenant), {"o": "nope", "status": "weird", "permission": "ROOT"}
    )
    assert response.status_code == 200
    assert len(app_ids(response)) == 3


def test_an_old_link_with_p_still_opens_its_page(client_as, big_tenant):
    response = client_as("viewer").get(url(big_tenant), {"o": "-id", "p": "3"})
    assert app_ids(response)[-1] == "1000"
    assert 'href="?o=-id&amp;page=2"' in response.content.decode()  # links use the new name


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"page": "x"}, "A page number is a whole number from 1"),
        ({"p": "\u00b2"}, "A page number is a whole number from 1"),
        ({"page": "0"}, "A page number is a whole number from 1"),
        ({"n": "7"}, "A page shows 25, 50, 100, 200 rows."),
    ],
)
@pytest.mark.parametrize("page", ["", "export.csv"])
def test_a_page_number_or_size_that_is_none_is_a_400_saying_so(
    client_as, tenant, emulator, params, words, page
):
    emulator.reset_stats()
    response = client_as("viewer").get(url(tenant, page), params)
    assert response.status_code == 400
    html = response.content.decode()
    assert "This list cannot be shown as asked" in html and words in html
    assert f'href="/tenants/{tenant.tenant_id}/apps/"' in html  # the list as it opens
    assert emulator.stats()["api_calls"] == 0


def test_an_empty_tenant_shows_how_to_add_the_first_app(client_as, tenant):
    from apps_admin import ecl

    for app in ecl.app_list(tenant):
        ecl.app_delete_answer(tenant, app.id)
    html = client_as("editor").get(url(tenant)).content.decode()
    assert "This tenant has no apps yet" in html
    assert "Add your first app" in html


def test_no_match_offers_to_clear_the_search(client_as, tenant):
    html = client_as("viewer").get(url(tenant), {"q": "zzz-no-such-app"}).content.decode()
    assert "No app matches" in html and "Clear search and filters" in html


def test_wrong_method_is_refused_without_upstream_calls(client_as, tenant, emulator):
    client = client_as("editor")
    emulator.reset_stats()
    assert client.post(url(tenant)).status_code == 405
    assert client.delete(url(tenant)).status_code == 405
    assert emulator.stats()["api_calls"] == 0


def test_anonymous_outsider_and_members_of_no_tenant_reach_no_upstream(client_as, tenant, emulator):
    emulator.reset_stats()
    anonymous = client_as("anonymous").get(url(tenant))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    assert client_as("outsider").get(url(tenant)).status_code == 404
    stats = emulator.stats()
    assert stats["api_calls"] == 0 and stats["auth_calls"] == 0


@pytest.mark.slow  # waits out ECL's retries
def test_ecl_answering_503_shows_503_page_with_retry(client_as, tenant, emulator):
    client = client_as("viewer")
    emulator.set_faults(rules=[{"method": "GET", "path": "/apps$", "status": 503, "count": 3}])
    response = client.get(url(tenant), {"q": "x"})
    assert response.status_code == 503
    html = response.content.decode()
    # One sentence, with the cause ECL gave: it answered, with a server error.
    assert "ECL answered with a server error (HTTP 503). Nothing was changed" in html
    assert "ECL is not answering" not in html
    assert f'href="{url(tenant)}?q=x"' in html and ">Retry<" in html
    assert 'id="header"' in html  # still the site, not a bare error
    # Retry works once ECL is back.
    assert client.get(url(tenant), {"q": "x"}).status_code == 200


@pytest.mark.slow  # waits out a hang
@override_settings(ECL_TIMEOUT=1, ECL_CONNECT_TIMEOUT=1, ECL_CALL_BUDGET=5)
def test_ecl_hanging_shows_504_page(client_as, tenant, emulator):
    client = client_as("viewer")
    client.get(url(tenant))  # a token first, so that only the list hangs
    emulator.set_faults(rules=[{"method": "GET", "path": "/apps$", "action": "hang"}])
    response = client.get(url(tenant))
    assert response.status_code == 504
    assert "ECL took too long to answer" in response.content.decode()


def test_a_malformed_answer_shows_502_page(client_as, tenant, emulator):
    emulator.set_faults(rules=[{"method": "GET", "path": "/apps$", "action": "malformed"}])
    response = client_as("viewer").get(url(tenant))
    assert response.status_code == 502
    assert "cannot read" in response.content.decode()


def test_a_suspended_tenant_is_named_as_such(client_as, tenant, emulator):
    emulator.set_tenant_state(tenant.tenant_id, "suspended")
    response = client_as("viewer").get(url(tenant))
    assert response.status_code == 403
    assert "This tenant is suspended at ECL" in response.content.decode()


def test_a_deleted_tenant_is_named_as_such(client_as, tenant, emulator):
    emulator.set_tenant_state(tenant.tenant_id, "deleted")
    response = client_as("viewer").get(url(tenant))
    assert response.status_code == 403
    assert "This tenant is deleted at ECL" in response.content.decode()


def test_rejected_credentials_tell_a_superuser_what_to_fix(client_as, tenant, users, client):
    tenant.set_api_secret("wrong-secret")
    tenant.save()
    response = client_as("superuser").get(url(tenant))
    assert response.status_code == 502
    html = response.content.decode()
    assert "rejected" in html
    assert f"/admin/apps_admin/tenant/{tenant.pk}/change/" in html
    client.logout()
    response = client_as("viewer").get(url(tenant))
    assert response.status_code == 502
    assert "/admin/apps_admin/tenant/" not in response.content.decode()
    assert "ECL settings need a portal administrator" in response.content.decode()


def test_csv_export_has_the_filtered_apps_and_no_secret(client_as, tenant, emulator_server):
    from apps_admin import ecl

    apps = ecl.app_list(tenant)
    secrets = [ecl.secretkey_get(tenant, a.id) for a in apps]
    response = client_as("viewer").get(url(tenant, "export.csv"), {"o": "-id"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["app_id", "description", "apikey"]
    assert [r[0] for r in rows[1:]] == sorted((a.id for a in apps), key=int, reverse=True)
    for secret in secrets:
        assert secret not in body
    assert tenant.api_secret not in body
    assert "service_account" not in body and "private_key" not in body


def test_csv_export_follows_the_search_and_makes_one_call(client_as, tenant, emulator):
    from apps_admin import ecl

    first = ecl.app_list(tenant)[0]
    client = client_as("viewer")
    emulator.reset_stats()
    response = client.get(url(tenant, "export.csv"), {"q": first.apikey})
    assert emulator.stats()["api_calls"] == 1
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [r[0] for r in rows[1:]] == [first.id]


def test_csv_cells_cannot_run_as_spreadsheet_formulas(client_as, tenant):
    from apps_admin import ecl

    ecl.app_create_answer(tenant, {"description": '=HYPERLINK("http://evil")'})
    body = client_as("viewer").get(url(tenant, "export.csv")).content.decode()
    assert "'=HYPERLINK" in body


def test_listing_is_not_audited(client_as, tenant):
    client_as("viewer").get(url(tenant))
    assert not AuditEvent.objects.exclude(action="access.denied").exists()


@pytest.mark.slow  # waits out ECL's retries
def test_csv_export_when_ecl_is_down_is_a_503_page(client_as, tenant, emulator):
    emulator.set_faults(rules=[{"method": "GET", "path": "/apps$", "status": 503, "count": 3}])
    response = client_as("viewer").get(url(tenant, "export.csv"))
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")


def test_the_page_size_is_chosen_and_kept_in_the_query_string(client_as, big_tenant):
    client = client_as("viewer")
    page = client.get(url(big_tenant), {"n": "25", "o": "-id"})
    assert len(app_ids(page)) == 25
    html = page.content.decode()
    assert "1\u201325 of 120 \u00b7 page 1 of 5" in html
    assert 'href="?o=-id&amp;n=25&amp;page=5"' in html  # the last page keeps size and order
    assert 'href="?o=-id&amp;n=100"' in html  # another size, from the first page


def test_the_export_comes_plain_and_for_excel(client_as, tenant):
    client = client_as("viewer")
    plain = client.get(url(tenant, "export.csv"))
    excel = client.get(url(tenant, "export.csv"), {"for": "excel"})
    assert not plain.content.startswith("\ufeff".encode())
    assert excel.content.startswith("\ufeff".encode())
    assert excel.content[3:] == plain.content
    assert "-excel.csv" in excel["Content-Disposition"]
    listing = client.get(url(tenant)).content.decode()
    assert "CSV for Excel" in listing and "export.csv?for=excel" in listing


def test_hostile_values_of_an_app_are_shown_escaped_in_its_row(client_as, tenant, emulator):
    """What another ECL client wrote is text on the page, never markup: the description, the
    domains, the permissions, the status and the API key, in every cell and attribute."""
    emulator.plant_app(
        tenant.tenant_id,
        description='<script>alert("owned")</script>',
        domains=["<img src=x onerror=alert(1)>.example", "b.example"],
        permissions=["<b>TURN</b>"],
        status="<i>frozen</i>",
        raw={"apikey": "\"'><svg onload=alert(2)>"},
    )
    html = client_as("editor").get(url(tenant)).content.decode()
    [row] = [r for r in re.findall(r"<tr[ >].*?</tr>", html, re.S) if "owned" in r]
    for markup in ("<script", "<img", "<b>", "<i>", "<svg", "\"'>"):
        assert markup not in row
    assert "&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;</a>" in row
    assert 'aria-label="Select &lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;"' in row
    assert 'title="&lt;img src=x onerror=alert(1)&gt;.example, b.example"' in row
    assert '<span class="tag">&lt;b&gt;TURN&lt;/b&gt;</span>' in row
    assert '<span class="badge status-&lt;i&gt;frozen&lt;/i&gt;">' in row
    assert 'data-copy="&quot;&#x27;&gt;&lt;svg onload=alert(2)&gt;"' in row
