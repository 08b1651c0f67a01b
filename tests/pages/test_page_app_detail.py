"""An app's detail page and its one-click Suspend / Activate, against the emulator."""

import re

import pytest
from django.test import override_settings

from apps_admin import ecl
from apps_admin.models import AuditEvent
from apps_admin.pages.usage_chart import amount

pytestmark = pytest.mark.django_db

GET_APP = "GET /tenants/{tenant_id}/apps/{app_id}"
PUT_APP = "PUT /tenants/{tenant_id}/apps/{app_id}"


def url(tenant, app_id, suffix: str = "") -> str:
    return f"/tenants/{tenant.tenant_id}/apps/{app_id}/{suffix}"


def calls(emulator, key: str) -> int:
    return emulator.stats()["calls"].get(key, 0)


@pytest.fixture
def app(tenant) -> ecl.App:
    return ecl.app_update_answer(
        tenant,
        ecl.app_list(tenant)[0].id,
        {
            "description": "Support <line> & co",
            "domains": ["example.com", "localhost"],
            "permissions": ["TURN", "PEER_AUTHENTICATION"],
            "status": "active",
        },
    ).value


def test_viewer_sees_every_field_with_one_upstream_call(client_as, tenant, app, emulator):
    client = client_as("viewer")
    emulator.reset_stats()
    response = client.get(url(tenant, app.id))
    assert response.status_code == 200
    assert emulator.stats()["api_calls"] == 1 and calls(emulator, GET_APP) == 1
    html = response.content.decode()
    assert "Support &lt;line&gt; &amp; co" in html and "<line>" not in html
    assert app.apikey in html and f"<code>{app.id}</code>" in html
    assert "<code>example.com</code>" in html and "<code>localhost</code>" in html
    assert 'aria-label="Copy app ID"' in html and 'aria-label="Copy API key"' in html
    assert "Billed per GB" in html
    assert "credential made from the app" in html  # PEER_AUTHENTICATION's line
    assert app.recording_status.capitalize() in html
    # A viewer has no buttons that change anything.
    for name in (">Edit<", ">Suspend<", ">Delete<", "Reveal secret key", "Regenerate"):
        assert name not in html


def test_usage_is_a_table_and_an_accessible_svg_chart(client_as, tenant, app):
    html = client_as("viewer").get(url(tenant, app.id)).content.decode()
    previous, current = (month.month.replace("/", "-") for month in app.usage)
    assert f'<th scope="row">{previous}</th>' in html
    assert f'<th scope="row">{current}<span class="quiet"> (so far)</span></th>' in html
    svg = re.search(r"<svg[^>]*role=\"img\"[^>]*>.*?</svg>", html, re.S).group(0)
    assert 'aria-labelledby="usage-chart-title usage-chart-desc"' in svg
    assert '<title id="usage-chart-title">Usage of ' in svg
    assert '<desc id="usage-chart-desc">' in svg
    turn = app.usage[-1].turn
    assert f"TURN (GB): {previous}: " in svg and f"{current}: {amount(turn)}" in svg
    assert "SFU (GB): " in svg and "Signaling (connections): " in svg
    # Per month: TURN and SFU stacked, signaling apart; and the legend's two swatches.
    assert svg.count("<rect") == 3 * len(app.usage) + 2
    assert "style=" not in svg


def test_editor_gets_edit_delete_and_suspend(client_as, tenant, app):
    html = client_as("editor").get(url(tenant, app.id)).content.decode()
    assert ">Edit</a>" in html and ">Delete</a>" in html
    assert ">Suspend…</summary>" in html and ">Activate</button>" not in html
    assert "Reveal secret key" not in html


def test_admin_gets_reveal_and_regenerate(client_as, tenant, app):
    html = client_as("admin").get(url(tenant, app.id)).content.decode()
    assert ">Reveal secret key</button>" in html
    assert ">Regenerate secret key</a>" in html
    assert f'action="{url(tenant, app.id, "secretkey/")}"' in html


def test_suspend_is_one_put_then_one_get_and_is_audited(client_as, tenant, app, emulator):
    client = client_as("editor")
    client.get(url(tenant, app.id))
    emulator.reset_stats()
    response = client.post(
        url(tenant, app.id, "status/"), {"status": "suspended", "confirm": "yes"}
    )
    assert response.status_code == 302 and response["Location"] == url(tenant, app.id)
    assert emulator.stats()["api_calls"] == 1 and calls(emulator, PUT_APP) == 1
    page = client.get(response["Location"])
    assert emulator.stats()["api_calls"] == 2 and emulator.stats()["auth_calls"] == 0
    html = page.content.decode()
    assert "The app is suspended" in html and ">Activate</button>" in html
    assert "Suspend…" not in html
    assert ecl.app_get(tenant, app.id).status == "suspended"
    # Nothing but the status was sent (the other fields are unchanged).
    after = ecl.app_get(tenant, app.id)
    assert after.domains == app.domains and after.permissions == app.permissions
    event = AuditEvent.objects.get(action="app.suspend")
    assert event.outcome == "ok" and event.app_id == app.id
    assert event.changes["status"]["to"] == "suspended"


def test_suspend_is_asked_first_on_the_page_and_nothing_changes_until_yes(
    client_as, tenant, app, emulator
):
    client = client_as("editor")
    html = client.get(url(tenant, app.id)).content.decode()
    assert '<summary class="button">Suspend…</summary>' in html
    assert '<details class="confirm-action" id="confirm-suspend">' in html  # closed
    emulator.reset_stats()
    # A POST without the answer (an old page, a script) only opens the question.
    response = client.post(url(tenant, app.id, "status/"), {"status": "suspended"})
    assert response.status_code == 302
    assert response["Location"] == url(tenant, app.id) + "?confirm=suspend#status-heading"
    assert emulator.stats()["api_calls"] == 0
    assert not AuditEvent.objects.filter(action="app.suspend").exists()
    asked = client.get(response["Location"]).content.decode()
    assert '<details class="confirm-action" id="confirm-suspend" open>' in asked
    assert "Suspend this app?" in asked and "Yes, suspend this app" in asked
    assert ecl.app_get(tenant, app.id).status == "active"


def test_activate_makes_the_app_active_again(client_as, tenant, app):
    ecl.app_update_answer(tenant, app.id, {"status": "suspended"})
    client = client_as("editor")
    response = client.post(url(tenant, app.id, "status/"), {"status": "active"})
    assert response.status_code == 302
    assert ecl.app_get(tenant, app.id).status == "active"
    assert AuditEvent.objects.get(action="app.activate").outcome == "ok"


def test_an_unknown_status_changes_nothing(client_as, tenant, app, emulator):
    client = client_as("editor")
    emulator.reset_stats()
    response = client.post(url(tenant, app.id, "status/"), {"status": "deleted"})
    assert response.status_code == 302
    assert emulator.stats()["api_calls"] == 0


def test_viewer_cannot_suspend_and_reaches_no_upstream(client_as, tenant, app, emulator):
    client = client_as("viewer")
    emulator.reset_stats()
    answer = client.post(url(tenant, app.id, "status/"), {"status": "suspended", "confirm": "yes"})
    assert answer.status_code == 403
    assert emulator.stats()["api_calls"] == 0 and emulator.stats()["auth_calls"] == 0


@pytest.mark.slow  # waits out a hang
def test_suspend_when_ecl_is_down_says_nothing_changed_and_is_audited(
    client_as, tenant, app, emulator
):
    client = client_as("editor")
    emulator.set_faults(rules=[{"method": "PUT", "path": "/apps/", "status": 503, "count": 3}])
    emulator.clear_requests()
    response = client.post(
        url(tenant, app.id, "status/"), {"status": "suspended", "confirm": "yes"}
    )
    assert response.status_code == 503
    html = response.content.decode()
    # Known by reading the app back after each 503 (the PUT is sent once more).
    assert "reading back showed that the change was not made" in html
    assert "Nothing was changed" in html and "Back to the app" in html
    event = AuditEvent.objects.get(action="app.suspend")
    assert event.outcome == "settled_not_done"
    puts = [e for e in emulator.requests() if e["method"] == "PUT"]
    assert [e["carried_out"] for e in puts] == [False, False]


def test_status_page_refuses_get(client_as, tenant, app, emulator):
    client = client_as("editor")
    emulator.reset_stats()
    assert client.get(url(tenant, app.id, "status/")).status_code == 405
    assert emulator.stats()["api_calls"] == 0


def test_a_missing_app_is_a_404_page_in_the_site(client_as, tenant):
    response = client_as("viewer").get(url(tenant, "99999"))
    assert response.status_code == 404
    html = response.content.decode()
    assert "App not found" in html and 'id="header"' in html


def test_wrong_method_is_405_without_upstream_calls(client_as, tenant, app, emulator):
    client = client_as("editor")
    emulator.reset_stats()
    assert client.post(url(tenant, app.id)).status_code == 405
    assert emulator.stats()["api_calls"] == 0


@pytest.mark.slow  # waits out ECL's retries
def test_ecl_down_is_a_503_page_with_retry(client_as, tenant, app, emulator):
    emulator.set_faults(rules=[{"method": "GET", "path": "/apps/", "status": 503, "count": 3}])
    response = client_as("viewer").get(url(tenant, app.id))
    assert response.status_code == 503
    assert ">Retry<" in response.content.decode()


@pytest.mark.slow  # waits out a hang
@override_settings(ECL_TIMEOUT=1, ECL_CONNECT_TIMEOUT=1, ECL_CALL_BUDGET=5)
def test_ecl_hanging_is_a_504_page(client_as, tenant, app, emulator):
    client = client_as("viewer")
    emulator.set_faults(rules=[{"method": "GET", "path": "/apps/", "action": "hang"}])
    assert client.get(url(tenant, app.id)).status_code == 504


def test_a_malformed_app_is_a_502_page(client_as, tenant, app, emulator):
    emulator.set_faults(rules=[{"method": "GET", "path": "/apps/", "action": "malformed"}])
    assert client_as("viewer").get(url(tenant, app.id)).status_code == 502


def test_a_suspended_tenant_is_a_403_page(client_as, tenant, app, emulator):
    emulator.set_tenant_state(tenant.tenant_id, "suspended")
    response = client_as("viewer").get(url(tenant, app.id))
    assert response.status_code == 403
    assert "suspended at ECL" in response.content.decode()


def test_an_app_without_usage_says_so_instead_of_empty_charts(client_as, tenant):
    app = ecl.app_create_answer(
        tenant, {"description": "Unused"}
    ).value  # ECL reports months of zeros
    assert app.usage and not any(m.signaling or m.turn or m.sfu for m in app.usage)
    html = client_as("viewer").get(url(tenant, app.id)).content.decode()
    assert "No usage yet: neither ECL nor the portal's record has any" in html
    assert "<svg" not in html.split('id="usage-heading"')[1].split("</section>")[0]


def test_a_status_change_from_the_app_page_records_the_old_status(client_as, tenant, app):
    client_as("editor").post(
        url(tenant, app.id, "status/"), {"status": "suspended", "was": "active", "confirm": "yes"}
    )
    event = AuditEvent.objects.get(action="app.suspend")
    assert event.changes == {"status": {"from": "active", "to": "suspended"}}
