"""The portal against an ECL that answers the reference's open points its own way (the
emulator's variant switches): one odd app never hides the others, any error shape is understood,
a token refused in other words is renewed once, and app ids cannot reach other paths.

Every page and API answer is the designed one (never a 500), and the upstream calls are counted.
"""

import csv
import io
import logging

import pytest
from django.test import override_settings

from apps_admin import ecl
from apps_admin.models import AuditEvent
from tests.helpers import token_client

pytestmark = pytest.mark.django_db

ODD_ID = "1003"  # the planted app of a three-app tenant


@pytest.fixture
def warm(client_as, tenant, emulator):
    """The admin's browser, with a token cached; the counters start at zero."""
    client = client_as("admin", reauthenticated=True)
    ecl.app_list(tenant)
    emulator.reset_stats()
    return client


def pages(tenant, app_id: str) -> dict[str, tuple[str, str]]:
    t = tenant.tenant_id if tenant is not None else "t"
    return {
        "list": ("get", f"/tenants/{t}/apps/"),
        "detail": ("get", f"/tenants/{t}/apps/{app_id}/"),
        "edit": ("get", f"/tenants/{t}/apps/{app_id}/edit/"),
        "reveal": ("post", f"/tenants/{t}/apps/{app_id}/secretkey/"),
        "usage": ("get", f"/tenants/{t}/usage/"),
        "csv": ("get", f"/tenants/{t}/apps/export.csv"),
        "usage csv": ("get", f"/tenants/{t}/usage/export.csv"),
        "api list": ("get", f"/api/tenants/{t}/apps?expandApps"),
        "api get": ("get", f"/api/tenants/{t}/apps/{app_id}"),
    }


def others(tenant, emulator_server) -> list:
    """The apikeys of the tenant's three ordinary apps, straight from the emulator's memory."""
    apps = emulator_server.state.tenants[tenant.tenant_id].apps
    return [app.apikey for app_id, app in apps.items() if app_id < int(ODD_ID)]


def api_calls(emulator) -> tuple[int, int]:
    stats = emulator.stats()
    return stats["auth_calls"], stats["api_calls"]


# --- One odd app among good ones -----------------------------------------------------------

ODD_DISPLAY = {
    "time without offset": {"raw": {"created_at": "2023-01-01T09:00:00"}},
    "usage as a list": {"raw": {"usage_summary": []}},
    "no status": {"omit": ["status"]},
    "null among domains": {"raw": {"domains": ["a.example", None]}},
    "numbers as text": {
        "raw": {"usage_summary": {"2026/11": {"signaling": "12", "turn": "1.5", "sfu": None}}}
    },
    "recording as a list": {"raw": {"recording": []}},
    "description as a number": {"raw": {"description": 12}},
}


@pytest.mark.slow  # a matrix: every odd field on every page
@pytest.mark.parametrize("oddity", ODD_DISPLAY)
@pytest.mark.parametrize("page", list(pages(None, ODD_ID)))
def test_an_odd_display_field_degrades_and_every_page_still_shows_every_app(
    warm, tenant, emulator, emulator_server, oddity, page
):
    emulator.plant_app(tenant.tenant_id, description="Odd one", **ODD_DISPLAY[oddity])
    emulator.reset_stats()
    method, path = pages(tenant, ODD_ID)[page]
    response = getattr(warm, method)(path)
    assert response.status_code == 200, response.content[:500]
    assert api_calls(emulator) == (0, 1)
    if page in ("list", "csv", "api list"):  # the answers that show API keys
        assert all(
            apikey in response.content.decode() for apikey in others(tenant, emulator_server)
        )
    if page in ("list", "csv", "usage", "usage csv", "api list", "api get"):
        assert ODD_ID in response.content.decode()
        assert "could not be read" not in response.content.decode()


def test_odd_values_are_read_as_the_contract_says(tenant, emulator):
    emulator.plant_app(
        tenant.tenant_id,
        raw={
            "created_at": "2023-01-01T09:00:00",
            "usage_summary": {"2026/11": {"signaling": "12", "turn": "1.5", "sfu": None}},
            "domains": ["a.example", None, 7],
        },
        omit=["status"],
    )
    app = ecl.app_get(tenant, ODD_ID)
    assert app.created_at.isoformat() == "2023-01-01T09:00:00+09:00"  # Japan time
    assert app.usage_summary["2026/11"] == ecl.MonthCounts(signaling=12, turn=1.5, sfu=0)
    assert app.domains == ("a.example",)
    assert app.status == ""


def test_what_was_read_around_is_logged_with_tenant_app_field_and_transaction(
    warm, tenant, emulator, caplog
):
    emulator.plant_app(tenant.tenant_id, raw={"created_at": "2023-01-01T09:00:00"})
    caplog.set_level(logging.WARNING, logger="apps_admin.ecl")
    warm.get(f"/tenants/{tenant.tenant_id}/apps/")
    [line] = [r.getMessage() for r in caplog.records if "read around" in r.getMessage()]
    assert f"tenant={tenant.tenant_id}" in line
    assert f"app {ODD_ID}" in line and "created_at without an offset" in line
    assert "transaction_id=" in line and "transaction_id=-" not in line


def test_a_missing_status_survives_a_save_of_the_description(warm, tenant, emulator):
    emulator.plant_app(tenant.tenant_id, description="Odd one", omit=["status"])
    shown = warm.get(f"/tenants/{tenant.tenant_id}/apps/{ODD_ID}/edit/")
    form = shown.context["form"]
    data = {
        "description": "Renamed",
        "domains": form["domains"].value(),
        "permissions": form["permissions"].value(),
        "status": form["status"].value(),
        "recording_bucket_name": form["recording_bucket_name"].value(),
        "snapshot": shown.context["snapshot"],
    }
    emulator.clear_requests()
    response = warm.post(f"/tenants/{tenant.tenant_id}/apps/{ODD_ID}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    assert [r["body"] for r in emulator.requests() if r["method"] == "PUT"] == [
        {"description": "Renamed"}
    ]


# --- Apps that cannot be trusted -----------------------------------------------------------

UNREADABLE = {
    "empty apikey": {"raw": {"apikey": ""}},
    "no apikey": {"omit": ["apikey"]},
    "dot-dot id": {"raw": {"id": ".."}},
    "id with a slash": {"raw": {"id": "a/b"}},
    "no id": {"omit": ["id"]},
    "id as an object": {"raw": {"id": {"n": 1}}},
}


@pytest.mark.parametrize("oddity", UNREADABLE)
def test_an_unreadable_app_is_a_row_of_its_own_and_the_others_show(
    warm, tenant, emulator, emulator_server, users, oddity
):
    emulator.plant_app(tenant.tenant_id, description="Broken one", **UNREADABLE[oddity])
    for page in ("list", "usage"):
        emulator.reset_stats()
        response = warm.get(pages(tenant, ODD_ID)[page][1])
        assert response.status_code == 200
        assert api_calls(emulator) == (0, 1)
        html = response.content.decode()
        assert "1 app could not be read" in html
        assert "Could not read this app." in html and "Broken one" in html
        if page == "list":
            assert all(apikey in html for apikey in others(tenant, emulator_server))
            assert 'href="/tenants/' + tenant.tenant_id + '/apps/../"' not in html
            assert "3 of 3 apps" in html
    rows = list(csv.reader(io.StringIO(warm.get(pages(tenant, ODD_ID)["csv"][1]).content.decode())))
    assert len(rows) == 1 + 4 and rows[-1][3] == "unreadable" and rows[-1][1] == "Broken one"
    response = token_client(users["viewer"]).get(f"/api/tenants/{tenant.tenant_id}/apps?expandApps")
    assert response.status_code == 200 and len(response.json()) == 4  # passed on as ECL sent it


def test_an_app_without_a_usable_apikey_shows_what_could_be_read_and_can_be_deleted(
    warm, tenant, emulator, emulator_server
):
    emulator.plant_app(
        tenant.tenant_id, description="Broken one", domains=["a.example"], raw={"apikey": ""}
    )
    base = f"/tenants/{tenant.tenant_id}/apps/{ODD_ID}/"
    html = warm.get(f"/tenants/{tenant.tenant_id}/apps/").content.decode()
    assert f'href="{base}"' in html
    detail = warm.get(base)
    assert detail.status_code == 200
    page = detail.content.decode()
    assert "ECL sent no API key for it." in page and "Broken one" in page
    assert "<code>a.example</code>" in page and f'href="{base}delete/"' in page
    assert warm.get(f"{base}edit/").status_code == 502  # cannot be edited here
    confirm = warm.get(f"{base}delete/")
    assert confirm.status_code == 200 and "Broken one" in confirm.content.decode()
    response = warm.post(f"{base}delete/", {"app_id": ODD_ID})
    assert response.status_code == 302
    assert int(ODD_ID) not in emulator_server.state.tenants[tenant.tenant_id].apps
    assert AuditEvent.objects.get(action="app.delete").outcome == "ok"


def test_the_api_passes_an_unreadable_app_on_as_ecl_sent_it(warm, tenant, emulator, users):
    emulator.plant_app(tenant.tenant_id, description="Broken one", raw={"apikey": ""})
    api = token_client(users["viewer"])
    response = api.get(f"/api/tenants/{tenant.tenant_id}/apps/{ODD_ID}")
    assert response.status_code == 200
    assert response.json()["apikey"] == "" and response.json()["description"] == "Broken one"


# --- An empty list sent as null ------------------------------------------------------------


def test_an_empty_list_sent_as_null_is_no_apps(client_as, emulator_server, emulator, users):
    from apps_admin.models import Membership
    from tests.helpers import make_tenant

    tenant = make_tenant(emulator_server, emulator.create_tenant(apps=0), name="Empty")
    Membership.objects.create(user=users["viewer"], tenant=tenant, role="viewer")
    emulator.set_config(empty_list="null")
    client = client_as("viewer")
    assert "This tenant has no apps yet" in (
        client.get(f"/tenants/{tenant.tenant_id}/apps/").content.decode()
    )
    assert client.get(f"/tenants/{tenant.tenant_id}/usage/").status_code == 200
    listed = client.get(f"/tenants/{tenant.tenant_id}/apps/export.csv").content.decode()
    assert listed.count("\n") == 1  # the header alone
    api = token_client(users["viewer"])
    assert api.get(f"/api/tenants/{tenant.tenant_id}/apps").json() == []


# --- Error answers in other shapes ---------------------------------------------------------

RECOGNISED = ["contract", "flat", "error_string", "detail", "errors", "text", "html"]


@pytest.mark.parametrize("shape", RECOGNISED)
def test_a_missing_app_and_a_suspended_tenant_are_understood_in_any_shape(
    warm, tenant, emulator, users, shape
):
    emulator.set_config(error_format=shape)
    response = warm.get(f"/tenants/{tenant.tenant_id}/apps/99999/")
    assert response.status_code == 404 and "does not exist" in response.content.decode()
    assert api_calls(emulator) == (0, 1)
    api = token_client(users["viewer"])
    answer = api.get(f"/api/tenants/{tenant.tenant_id}/apps/99999")
    assert (answer.status_code, answer.json()["code"]) == (404, "app_not_found")
    assert answer["ECL-Transaction-ID"]
    assert warm.post(f"/tenants/{tenant.tenant_id}/apps/99999/secretkey/").status_code == 404

    emulator.set_tenant_state(tenant.tenant_id, "suspended")
    emulator.reset_stats()
    response = warm.get(f"/tenants/{tenant.tenant_id}/apps/")
    assert response.status_code == 403 and "suspended" in response.content.decode()
    assert api_calls(emulator) == (0, 1)
    answer = api.get(f"/api/tenants/{tenant.tenant_id}/apps")
    assert (answer.status_code, answer.json()["code"]) == (403, "tenant_unavailable")
    assert warm.get(f"/tenants/{tenant.tenant_id}/usage/").status_code == 403
    assert api_calls(emulator) == (0, 3)  # no token was dropped for any of them


def test_an_error_without_words_is_tried_once_with_a_new_token_then_told_as_it_is(
    warm, tenant, emulator
):
    emulator.set_config(error_format="empty")
    response = warm.get(f"/tenants/{tenant.tenant_id}/apps/99999/")
    assert response.status_code == 502
    html = response.content.decode()
    assert "without saying why" in html and "ECL transaction ID" in html
    assert api_calls(emulator) == (1, 2)


# --- A refused token, in ECL's other words -------------------------------------------------


@pytest.mark.parametrize(
    "refusal",
    [
        {"status": 403, "message": "Token has expired"},
        {"status": 401, "message": "Invalid token"},
        {"status": 403, "message": "Not authenticated"},
    ],
)
def test_a_refused_token_is_dropped_and_the_call_made_once_more(warm, tenant, emulator, refusal):
    emulator.set_config(expired_token=refusal)
    emulator.revoke_tokens()
    response = warm.get(f"/tenants/{tenant.tenant_id}/apps/")
    assert response.status_code == 200
    assert api_calls(emulator) == (1, 2)
    warm.get(f"/tenants/{tenant.tenant_id}/apps/")
    assert api_calls(emulator) == (1, 3)  # the new token is kept


def test_a_token_refused_twice_shows_ecls_own_words(warm, tenant, emulator, users):
    emulator.set_config(token_ttl=0, expired_token={"status": 403, "message": "Token has expired"})
    emulator.revoke_tokens()
    response = warm.get(f"/tenants/{tenant.tenant_id}/apps/")
    assert response.status_code == 502
    assert "“Token has expired”" in response.content.decode()
    assert api_calls(emulator) == (1, 2)
    answer = token_client(users["viewer"]).get(f"/api/tenants/{tenant.tenant_id}/apps")
    assert answer.json()["code"] == "ecl_token_rejected"
    assert "Token has expired" in answer.json()["detail"]


# --- App ids that would reach other paths --------------------------------------------------


@pytest.mark.parametrize("app_id", ["..", ".", "%2e%2e", "a%00b", "a%0Ab", "a%5Cb", "a%25b"])
def test_an_app_id_that_is_no_app_id_is_a_404_before_any_call(
    warm, tenant, emulator, users, app_id
):
    base = f"/tenants/{tenant.tenant_id}/apps/{app_id}"
    for path in (f"{base}/", f"{base}/edit/", f"{base}/delete/"):
        assert warm.get(path).status_code == 404, path
    assert warm.post(f"{base}/secretkey/").status_code == 404
    api = token_client(users["admin"])
    answer = api.get(f"/api/tenants/{tenant.tenant_id}/apps/{app_id}")
    # No such app, or (for a control character) no such path.
    assert answer.status_code == 404 and answer.json()["code"] in ("app_not_found", "not_found")
    assert api.delete(f"/api/tenants/{tenant.tenant_id}/apps/{app_id}").status_code == 404
    assert api_calls(emulator) == (0, 0)


# --- Bounded in time and size --------------------------------------------------------------


@pytest.mark.slow  # waits out a trickle
@override_settings(ECL_CALL_BUDGET=2, ECL_TIMEOUT=1)
def test_a_trickling_list_ends_at_the_budget(warm, tenant, emulator, users):
    rule = {"method": "GET", "path": "/apps$", "action": "trickle", "interval_ms": 100}
    emulator.set_faults(rules=[{**rule, "count": 2}])
    # The whole answer would take minutes: a 504 means the portal stopped at its budget.
    response = warm.get(f"/tenants/{tenant.tenant_id}/apps/")
    assert response.status_code == 504 and "took too long" in response.content.decode()
    answer = token_client(users["viewer"]).get(f"/api/tenants/{tenant.tenant_id}/apps")
    assert (answer.status_code, answer.json()["code"]) == (504, "ecl_timeout")


@pytest.mark.slow  # waits out a trickle
@override_settings(ECL_CALL_BUDGET=2, ECL_TIMEOUT=1)
def test_a_trickling_identity_service_ends_at_the_budget(client_as, tenant, emulator):
    rule = {"method": "POST", "path": "/auth/tokens$", "action": "trickle", "interval_ms": 100}
    emulator.set_faults(rules=[rule])
    response = client_as("viewer").get(f"/tenants/{tenant.tenant_id}/apps/")
    assert response.status_code == 504
    assert api_calls(emulator) == (1, 0)


def test_an_oversized_answer_is_refused_unread(warm, tenant, emulator, users, caplog):
    rule = {"method": "GET", "path": "/apps$", "action": "oversized", "size_bytes": 100_000_000}
    emulator.set_faults(rules=[{**rule, "count": 2}])
    response = warm.get(f"/tenants/{tenant.tenant_id}/apps/")
    assert response.status_code == 502
    assert "larger than the portal accepts" in response.content.decode()
    answer = token_client(users["viewer"]).get(f"/api/tenants/{tenant.tenant_id}/apps")
    assert (answer.status_code, answer.json()["code"]) == (502, "ecl_response_too_large")
    assert api_calls(emulator) == (0, 2)
