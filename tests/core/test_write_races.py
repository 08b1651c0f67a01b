"""Two writes of one app at the same instant: one at a time (the app's write lock), so the second
reads the first one's result and is told, never silently replaces it. ECL answers in 100 ms,
and the two saves are released together, twenty times; the emulator's journal is the witness."""

import re
import threading

import pytest
from django.db import connection

from apps_admin import ecl
from apps_admin.models import AuditEvent
from tests.helpers import login, token_client

# slow: 20 trials of two saves against an ECL that answers in 100 ms, for three pairs
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TRIALS = 20
LATENCY_MS = 100
BASE = ["base.example.com"]


def released_together(*calls):
    """Run each call in its own thread, all released at the same instant; their results."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int, call) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as error:  # the test reports it, with the others' results
            results[index] = error
        finally:
            connection.close()  # each thread's own database connection

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def opened_form(client, tenant, app_id: str) -> dict:
    """The edit form's fields as a person opens it (with its snapshot of what it showed)."""
    shown = client.get(f"/tenants/{tenant.tenant_id}/apps/{app_id}/edit/")
    form = shown.context["form"]
    return {
        "description": form["description"].value(),
        "domains": form["domains"].value(),
        "permissions": form["permissions"].value(),
        "status": form["status"].value(),
        "recording_bucket_name": form["recording_bucket_name"].value() or "",
        "snapshot": shown.context["snapshot"],
    }


def save(client, tenant, app_id: str, data: dict, domain: str):
    """A save that adds `domain` to the list the form showed."""
    added = {**data, "domains": data["domains"] + "\n" + domain}
    return lambda: client.post(f"/tenants/{tenant.tenant_id}/apps/{app_id}/edit/", added)


def handled(emulator, method: str) -> list[dict]:
    """The apps API requests of `method` the emulator handled, in the order it handled them."""
    entries = [
        e
        for e in emulator.requests()
        if e["method"] == method and e["path"].startswith("/tenants/") and e["handled_at"]
    ]
    return sorted(entries, key=lambda e: e["handled_at"])


@pytest.fixture
def app_id(tenant) -> str:
    return ecl.app_list(tenant)[0].id


def test_two_saves_of_the_same_field_never_silently_replace_one_another(
    client_as, users, tenant, app_id, emulator
):
    from django.test import Client

    eddie, alice = login(Client(), users["editor"]), login(Client(), users["admin"])
    outcomes = []
    for trial in range(TRIALS):
        emulator.set_faults(latency_ms=0)
        ecl.app_update_answer(tenant, app_id, {"domains": BASE})
        emulator.set_faults(latency_ms=LATENCY_MS)
        forms = opened_form(eddie, tenant, app_id), opened_form(alice, tenant, app_id)
        mine, theirs = f"eddie{trial}.example.com", f"alice{trial}.example.com"
        first, second = released_together(
            save(eddie, tenant, app_id, forms[0], mine),
            save(alice, tenant, app_id, forms[1], theirs),
        )
        emulator.set_faults(latency_ms=0)
        statuses = sorted((first.status_code, second.status_code))
        outcomes.append(statuses)
        # One saved, the other was shown both values and wrote nothing.
        assert statuses == [302, 409], (trial, first, second)
        loser = first if first.status_code == 409 else second
        assert "Changed at ECL while you were editing" in loser.content.decode()
        winner_domain = mine if first.status_code == 302 else theirs
        assert sorted(ecl.app_get(tenant, app_id).domains) == sorted([*BASE, winner_domain])
    assert outcomes == [[302, 409]] * TRIALS
    assert AuditEvent.objects.filter(action="app.update", outcome="ok").count() == TRIALS


def test_a_page_save_and_an_api_put_at_once_never_replace_one_another_unseen(
    users, tenant, app_id, emulator
):
    from django.test import Client

    eddie = login(Client(), users["editor"])
    script = token_client(users["admin"])
    url = f"/api/tenants/{tenant.tenant_id}/apps/{app_id}"
    script.get(url)  # the token's first use is recorded now, not during the race
    for trial in range(TRIALS):
        emulator.set_faults(latency_ms=0)
        ecl.app_update_answer(tenant, app_id, {"domains": BASE})
        emulator.set_faults(latency_ms=LATENCY_MS)
        form = opened_form(eddie, tenant, app_id)
        api_domains = [*BASE, f"api{trial}.example.com"]
        emulator.clear_requests()
        page, api = released_together(
            save(eddie, tenant, app_id, form, f"page{trial}.example.com"),
            lambda domains=api_domains: script.put(url, {"domains": domains}, format="json"),
        )
        emulator.set_faults(latency_ms=0)
        assert api.status_code == 200, api.content
        gets, puts = handled(emulator, "GET"), handled(emulator, "PUT")
        # Each write's read and write are together: nothing of the other's in between.
        order = sorted(gets + puts, key=lambda e: e["handled_at"])
        kinds = [(e["method"], "domains" in (e["body"] or {})) for e in order]
        if page.status_code == 302:  # the page went first; the API wrote its list after
            assert [e["body"]["domains"] for e in puts][-1] == api_domains
            assert kinds == [("GET", False), ("PUT", True), ("GET", False), ("PUT", True)]
            event = AuditEvent.objects.filter(action="app.update").latest("id")
            # The API's event says what it replaced: the page's list, seen under the lock.
            assert f"page{trial}.example.com" in str(event.changes["domains"]["from"])
        else:  # the API went first: the page was shown both values and wrote nothing
            assert page.status_code == 409, page.content[:500]
            assert "Changed at ECL while you were editing" in page.content.decode()
            assert len(puts) == 1
            assert kinds == [("GET", False), ("PUT", True), ("GET", False)]
        assert sorted(ecl.app_get(tenant, app_id).domains) == sorted(api_domains)


def renewal_page(client, tenant, app_id: str):
    """The Regenerate page as an admin opens it; calling the result presses Regenerate."""
    url = f"/tenants/{tenant.tenant_id}/apps/{app_id}/secretkey/regenerate/"
    shown = client.get(url).content.decode()
    asked_at = re.search(r'name="asked_at" value="([^"]+)"', shown)[1]
    return lambda: client.post(url, {"asked_at": asked_at})


def shown_key(response) -> str | None:
    if response.status_code != 200 or "was regenerated" not in response.content.decode():
        return None
    return re.search(r'id="secret-value">([^<]+)</code>', response.content.decode())[1]


@pytest.mark.parametrize("pair", ["two pages", "page and API", "two API calls"])
def test_two_renewals_at_once_renew_once_and_the_other_is_told_by_whom(
    users, tenant, emulator, pair
):
    from django.test import Client

    alice = login(Client(), users["admin"], reauthenticated=True)
    root = login(Client(), users["superuser"], reauthenticated=True)
    alice_api, root_api = token_client(users["admin"]), token_client(users["superuser"])
    # An app per trial: a renewal through the API is refused for a moment after another one.
    app_ids = [
        ecl.app_create_answer(tenant, {"description": f"renewed {n}"}).value.id
        for n in range(TRIALS)
    ]
    for trial, app_id in enumerate(app_ids):
        api_url = f"/api/tenants/{tenant.tenant_id}/apps/{app_id}/secretkey"
        emulator.set_faults(latency_ms=LATENCY_MS)
        if pair == "two pages":
            calls = renewal_page(alice, tenant, app_id), renewal_page(root, tenant, app_id)
        elif pair == "page and API":
            calls = renewal_page(alice, tenant, app_id), (lambda u=api_url: root_api.post(u))
        else:
            calls = (lambda u=api_url: alice_api.post(u)), (lambda u=api_url: root_api.post(u))
        emulator.clear_requests()
        results = released_together(*calls)
        emulator.set_faults(latency_ms=0)
        renewals = [e for e in handled(emulator, "POST") if e["path"].endswith("/secretkey")]
        assert [e["carried_out"] for e in renewals] == [True], trial
        in_force = ecl.secretkey_get(tenant, app_id)
        keys, told = [], []
        for response in results:
            if response.status_code == 200:
                is_api = response["Content-Type"].startswith("application/json")
                keys.append(response.json()["secretkey"] if is_api else shown_key(response))
            else:
                assert response.status_code == 409, response.content[:500]
                told.append(response)
        # The one key shown is the key in force; the other person is told who renewed it.
        assert keys == [in_force]
        [other] = told
        text = other.content.decode()
        assert "was regenerated by" in text or "secretkey_just_renewed" in text
        assert ("alice" in text) or ("root" in text)
