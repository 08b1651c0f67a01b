"""No odd byte hides a tenant: an ECL list with one odd record (a byte order mark, a lone
surrogate, NaN, a count out of range, deep nesting, an odd id, wrong types) still shows every
other app on the list page, its CSV, the usage page and its CSV, the API and `record_usage`;
the odd app is shown as far as it can be read, or apart as "could not be read"; and the API
passes ECL's list on as strict JSON.

The emulator writes each oddity (`PATCH /_emulator/config`: `bom`, `odd_value`; planted apps).
"""

import csv
import io
import json
import logging

import msgspec
import pytest
from django.core.management import call_command

from apps_admin import ecl
from apps_admin.ecl import tolerant_json
from apps_admin.models import UsageMonth
from tests.helpers import content_of, token_client

pytestmark = pytest.mark.django_db

ODD_ID = "1003"  # the odd app of a three-app tenant

# How the odd app is made: the emulator's settings, or a planted app's JSON (raw/omit).
ODDITIES = {
    "byte order mark": {"config": {"bom": True}},
    "lone surrogate in the description": {
        "config": {"odd_value": {"app_id": 1003, "field": "description", "value": "lone_surrogate"}}
    },
    "lone surrogate in a domain": {
        "config": {"odd_value": {"app_id": 1003, "field": "domains.*", "value": "lone_surrogate"}}
    },
    "NaN in the usage": {
        "config": {"odd_value": {"app_id": 1003, "field": "usage_summary.*.turn", "value": "nan"}}
    },
    "Infinity in the usage": {
        "config": {
            "odd_value": {"app_id": 1003, "field": "usage_summary.*.sfu", "value": "infinity"}
        }
    },
    "a count past what adds up": {"raw": {"usage_summary": {"2026/11": {"signaling": 10**30}}}},
    "an unknown field nested 1,200 deep": {
        "config": {"odd_value": {"app_id": 1003, "field": "extra", "value": "deep"}}
    },
    "the description nested 1,200 deep": {
        "config": {"odd_value": {"app_id": 1003, "field": "description", "value": "deep"}}
    },
    "an id of non-ASCII digits": {"raw": {"id": "\u00b2"}},
    "wrong types": {"raw": {"domains": "a.example", "permissions": [1, None], "status": 5}},
    "an id of 65 characters": {"raw": {"id": "9" * 65}},
    "a lone surrogate in the id": {
        "config": {"odd_value": {"app_id": 1003, "field": "id", "value": "lone_surrogate"}}
    },
    "NaN as the id": {"config": {"odd_value": {"app_id": 1003, "field": "id", "value": "nan"}}},
}
# The odd apps whose id or API key cannot be trusted: listed apart as "could not be read".
UNREADABLE = {"an id of 65 characters", "a lone surrogate in the id", "NaN as the id"}
NO_DESCRIPTION = {"the description nested 1,200 deep"}  # shown as "(no description)"


@pytest.fixture
def odd(request, tenant, emulator):
    """The tenant with its three apps and the odd one (description "Odd one")."""
    oddity = ODDITIES[request.param]
    emulator.plant_app(
        tenant.tenant_id,
        description="Odd one",
        domains=["odd.example"],
        usage={"previous": {"signaling": 3, "turn": 1.5}, "current": {"signaling": 4}},
        raw=oddity.get("raw", {}),
    )
    if "config" in oddity:
        emulator.set_config(**oddity["config"])
    return request.param


def good_apikeys(emulator_server, tenant) -> list[str]:
    apps = emulator_server.state.tenants[tenant.tenant_id].apps
    return [app.apikey for app_id, app in apps.items() if app_id < int(ODD_ID)]


def strictly(body: bytes):
    """`body` read as strict JSON (RFC 8259): no NaN, no Infinity, no lone surrogate."""

    def refuse(name):
        raise ValueError(f"{name} in the API's answer")

    value = json.loads(body, parse_constant=refuse)
    assert not tolerant_json.has_lone_surrogate(json.dumps(value, ensure_ascii=False))
    msgspec.json.decode(body)  # a strict reader refuses a lone surrogate escape
    return value


@pytest.mark.slow  # a variant matrix: every oddity on every surface
@pytest.mark.parametrize("odd", ODDITIES, indirect=True)
def test_one_odd_app_never_hides_the_others_anywhere(
    odd, client_as, tenant, users, emulator, emulator_server
):
    every_other_app_shows(odd, client_as, tenant, users, emulator_server)


@pytest.mark.parametrize(
    "odd", ["lone surrogate in the description", "a lone surrogate in the id"], indirect=True
)
def test_one_odd_app_never_hides_the_others_in_the_quick_run(
    odd, client_as, tenant, users, emulator, emulator_server
):
    every_other_app_shows(odd, client_as, tenant, users, emulator_server)


def every_other_app_shows(odd, client_as, tenant, users, emulator_server) -> None:
    client = client_as("viewer")
    good = good_apikeys(emulator_server, tenant)
    base = f"/tenants/{tenant.tenant_id}"

    for path in (f"{base}/apps/", f"{base}/apps/?o=id", f"{base}/apps/?o=-turn"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.content[:300])
        html = response.content.decode()
        assert all(apikey in html for apikey in good)
        assert ("Odd one" in html) == (odd not in NO_DESCRIPTION)
        assert ("1 app could not be read" in html) == (odd in UNREADABLE)

    rows = list(csv.reader(io.StringIO(client.get(f"{base}/apps/export.csv").content.decode())))
    assert len(rows) == 1 + 4 and all(any(key in row for row in rows) for key in good)
    cells = [cell for row in rows for cell in row]
    assert any("Odd one" in cell for cell in cells) == (odd not in NO_DESCRIPTION)

    for path in (f"{base}/usage/", f"{base}/usage/?o=id", f"{base}/usage/?o=app"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.content[:300])
        assert response.content.decode().count("Odd one") == (odd not in NO_DESCRIPTION)
    usage_csv = client.get(f"{base}/usage/export.csv").content.decode()
    assert {row[0] for row in csv.reader(io.StringIO(usage_csv))} >= {"1000", "1001", "1002"}

    api = token_client(users["viewer"])
    listed = api.get(f"/api/tenants/{tenant.tenant_id}/apps?expandApps")
    assert listed.status_code == 200
    apps = strictly(listed.content)
    assert len(apps) == 4 and {a["apikey"] for a in apps[:3]} == set(good)
    assert strictly(api.get(f"/api/tenants/{tenant.tenant_id}/apps").content)[3]
    usage = api.get(f"/api/tenants/{tenant.tenant_id}/usage")
    assert usage.status_code == 200
    assert {"1000", "1001", "1002"} <= {a["id"] for a in strictly(content_of(usage))["apps"]}

    out = io.StringIO()
    call_command("record_usage", "--tenant", tenant.tenant_id, stdout=out, stderr=out)
    recorded = set(UsageMonth.objects.filter(tenant=tenant).values_list("app_id", flat=True))
    assert {"1000", "1001", "1002"} <= recorded
    assert (len(recorded) == 4) == (odd not in UNREADABLE)


@pytest.mark.slow  # a variant matrix
@pytest.mark.parametrize("odd", sorted(set(ODDITIES) - UNREADABLE), indirect=True)
def test_the_odd_app_itself_opens_on_its_page_and_in_the_api(odd, client_as, tenant, users):
    page = client_as("viewer").get(f"/tenants/{tenant.tenant_id}/apps/{ODD_ID}/")
    if odd == "an id of non-ASCII digits":
        # Planted apps keep their numeric path at the emulator: the id shown is "²".
        assert page.status_code == 200 and "Odd one" in page.content.decode()
        return
    assert page.status_code == 200, page.content[:300]
    assert ("Odd one" in page.content.decode()) == (odd not in NO_DESCRIPTION)
    answer = token_client(users["viewer"]).get(f"/api/tenants/{tenant.tenant_id}/apps/{ODD_ID}")
    assert answer.status_code == 200
    assert strictly(answer.content)["apikey"]


@pytest.mark.parametrize(
    ("odd", "shown"),
    [
        ("lone surrogate in the description", "Odd one\ufffd"),
        ("lone surrogate in a domain", "odd.example\ufffd"),
    ],
    indirect=["odd"],
)
def test_a_lone_surrogate_is_shown_as_a_replacement_character_everywhere(
    odd, shown, client_as, tenant, users
):
    client = client_as("viewer")
    base = f"/tenants/{tenant.tenant_id}"
    assert shown in client.get(f"{base}/apps/").content.decode()
    assert shown in client.get(f"{base}/apps/{ODD_ID}/").content.decode()
    assert shown in client.get(f"{base}/apps/export.csv").content.decode()
    api = token_client(users["viewer"])
    assert shown in json.dumps(
        strictly(api.get(f"/api/tenants/{tenant.tenant_id}/apps?expandApps").content),
        ensure_ascii=False,
    )
    assert shown in json.dumps(
        strictly(api.get(f"/api/tenants/{tenant.tenant_id}/apps/{ODD_ID}").content),
        ensure_ascii=False,
    )


@pytest.mark.parametrize("odd", ["NaN in the usage"], indirect=True)
def test_a_count_that_is_not_a_number_is_zero_and_logged(odd, tenant, caplog):
    caplog.set_level(logging.WARNING, logger="apps_admin.ecl")
    apps = ecl.app_list(tenant)
    odd_app = next(app for app in apps if app.id == ODD_ID)
    assert all(counts.turn == 0 for counts in odd_app.usage_summary.values())
    assert [c.signaling for c in odd_app.usage_summary.values()] == [3, 4]
    [line] = [r.getMessage() for r in caplog.records if "read around" in r.getMessage()]
    assert f"app {ODD_ID}" in line and "a count that is not a number" in line


@pytest.mark.parametrize("odd", ["a lone surrogate in the id"], indirect=True)
def test_an_app_whose_id_holds_a_lone_surrogate_is_apart_and_named(odd, client_as, tenant):
    html = client_as("viewer").get(f"/tenants/{tenant.tenant_id}/apps/").content.decode()
    assert "1 app could not be read" in html and "Its id cannot be used in a web address." in html
    assert "1003\ufffd" in html  # its id as ECL sent it, the surrogate shown as U+FFFD


# --- A byte order mark on writes and on Keystone's answer ----------------------------------


def test_a_create_and_an_update_with_a_byte_order_mark_are_done_and_said_so(
    tenant, users, emulator
):
    emulator.set_config(bom=True)
    api = token_client(users["editor"], scope="write")
    made = api.post(f"/api/tenants/{tenant.tenant_id}/apps", {"description": "New"}, format="json")
    assert made.status_code == 200 and strictly(made.content)["description"] == "New"
    changed = api.put(
        f"/api/tenants/{tenant.tenant_id}/apps/1000", {"description": "Renamed"}, format="json"
    )
    assert changed.status_code == 200 and strictly(changed.content)["description"] == "Renamed"
    assert not made.content.startswith(tolerant_json.BOM)


def test_a_create_page_with_a_byte_order_mark_goes_to_the_new_app(client_as, tenant, emulator):
    emulator.set_config(bom=True)
    response = client_as("editor").post(
        f"/tenants/{tenant.tenant_id}/apps/new/", {"description": "Made", "status": "active"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(f"/tenants/{tenant.tenant_id}/apps/1003/")


def test_a_token_answer_with_a_byte_order_mark_is_cached(client_as, tenant, emulator):
    emulator.set_config(bom=True)
    client = client_as("viewer")
    for _ in range(3):
        assert client.get(f"/tenants/{tenant.tenant_id}/apps/").status_code == 200
    assert emulator.stats()["auth_calls"] == 1


def test_an_error_with_a_byte_order_mark_is_understood(client_as, tenant, emulator):
    emulator.set_config(bom=True)
    response = client_as("viewer").get(f"/tenants/{tenant.tenant_id}/apps/99999/")
    assert response.status_code == 404 and "does not exist" in response.content.decode()
    emulator.set_tenant_state(tenant.tenant_id, "suspended")
    response = client_as("viewer").get(f"/tenants/{tenant.tenant_id}/apps/")
    assert response.status_code == 403 and "suspended" in response.content.decode()
