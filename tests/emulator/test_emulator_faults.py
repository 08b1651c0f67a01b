"""The emulator's injected faults: statuses, resets, hangs, broken bodies, counts and latency."""

import json
import threading
import time

import pytest
import requests

from ecl_emulator.control import EmulatorControlError
from ecl_emulator.testing import TenantSession, auth_request_body, start_emulator

CREATE = "POST /tenants/{tenant_id}/apps"


def rule(method="POST", path=r"/apps$", *, count=1, when="before", **kind) -> dict:
    return {"method": method, "path": path, "count": count, "when": when, **kind}


def app_count(session: TenantSession) -> int:
    return len(session.call("GET").json())


@pytest.mark.parametrize("status", [500, 502, 503, 401, 429])
def test_a_status_fault_before_answers_the_code_and_changes_nothing(emulator, acme, status):
    emulator.set_faults(rules=[rule(status=status)])

    response = acme.call("POST", json={"description": "x"})

    assert response.status_code == status
    assert response.json() == {"error": {"code": status, "message": "Injected fault"}}
    assert response.headers["ECL-Transaction-ID"]
    assert app_count(acme) == 0
    assert emulator.stats()["calls"][CREATE] == 1


def test_a_status_fault_after_applies_the_change_then_fails_the_answer(emulator, acme):
    emulator.set_faults(rules=[rule(status=502, when="after")])

    response = acme.call("POST", json={"description": "made anyway"})

    assert response.status_code == 502
    assert [app["description"] for app in acme.call("GET").json()] == ["made anyway"]


def test_a_reset_before_drops_the_connection_without_changing_anything(emulator, acme):
    emulator.set_faults(rules=[rule(action="reset")])
    with pytest.raises(requests.ConnectionError):
        acme.call("POST", json={})
    assert app_count(acme) == 0
    assert emulator.stats()["calls"][CREATE] == 1


def test_a_reset_after_drops_the_connection_but_the_change_happened(emulator, acme):
    emulator.set_faults(rules=[rule(action="reset", when="after")])
    with pytest.raises(requests.ConnectionError):
        acme.call("POST", json={})
    assert app_count(acme) == 1


@pytest.mark.slow  # waits out a hang
def test_a_hang_answers_nothing_until_the_client_gives_up(emulator, acme):
    emulator.set_faults(rules=[rule(method="GET", action="hang")])
    with pytest.raises(requests.ReadTimeout):
        acme.call("GET", timeout=(5, 0.5))
    assert acme.call("GET").status_code == 200


@pytest.mark.slow  # waits out a hang
def test_a_hang_after_applies_the_change(emulator, acme):
    emulator.set_faults(rules=[rule(action="hang", when="after")])
    with pytest.raises(requests.ReadTimeout):
        acme.call("POST", json={}, timeout=(5, 0.5))
    assert app_count(acme) == 1


def test_a_malformed_answer_is_a_200_whose_body_is_not_json(emulator, acme):
    emulator.set_faults(rules=[rule(method="GET", action="malformed")])
    response = acme.call("GET")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    with pytest.raises(ValueError):
        json.loads(response.content)


def test_a_rule_fails_exactly_count_requests_then_disappears(emulator, acme):
    emulator.set_faults(rules=[rule(method="GET", count=2, status=503)])
    assert acme.call("GET").status_code == 503
    assert emulator.faults()["rules"][0]["count"] == 1
    assert acme.call("GET").status_code == 503
    assert emulator.faults()["rules"] == []
    assert acme.call("GET").status_code == 200


def test_a_rule_only_matches_its_method(emulator, acme):
    acme.call("POST", json={})
    emulator.set_faults(rules=[rule(method="DELETE", path=r"/apps/\d+$", status=500)])
    assert acme.call("GET", "/1000").status_code == 200
    assert acme.call("PUT", "/1000", json={}).status_code == 200
    assert acme.call("DELETE", "/1000").status_code == 500
    assert acme.call("DELETE", "/1000").status_code == 200


def test_a_rule_path_is_a_regex_searched_in_the_path_without_the_query(emulator, acme):
    acme.call("POST", json={})
    emulator.set_faults(rules=[rule(method="*", path="secretkey", status=500, count=5)])
    assert acme.call("GET", "/1000").status_code == 200
    assert acme.call("GET", "?secretkey=1").status_code == 200
    assert acme.call("GET", "/1000/secretkey").status_code == 500
    assert acme.call("POST", "/1000/secretkey").status_code == 500


def test_the_star_method_matches_every_method(emulator, acme):
    emulator.set_faults(rules=[rule(method="*", path="/apps", count=3, status=503)])
    assert acme.call("GET").status_code == 503
    assert acme.call("POST", json={}).status_code == 503
    assert acme.call("PATCH", "/1000").status_code == 503
    assert acme.call("GET").status_code == 200


def test_the_first_matching_rule_wins(emulator, acme):
    emulator.set_faults(
        rules=[rule(method="GET", status=502), rule(method="GET", status=503, count=2)]
    )
    assert [acme.call("GET").status_code for _ in range(4)] == [502, 503, 503, 200]


def test_identity_requests_can_be_failed_and_are_counted(emulator, acme):
    emulator.set_faults(rules=[rule(path="/auth/tokens", status=503)])
    body = auth_request_body(acme.tenant_id, acme.api_key, acme.api_secret)
    url = emulator.identity_url + "/auth/tokens"
    assert requests.post(url, json=body, timeout=30).status_code == 503
    assert requests.post(url, json=body, timeout=30).status_code == 201
    assert emulator.stats()["auth_calls"] == 3  # acme's first token, the failure, the retry


def test_latency_delays_identity_and_api_answers_but_not_controls(emulator, acme):
    emulator.set_faults(latency_ms=300)
    started = time.monotonic()
    assert acme.call("GET").status_code == 200
    assert time.monotonic() - started >= 0.3

    emulator.set_faults(latency_ms=60_000)
    # A control would time out here if it were delayed.
    requests.get(f"{emulator.base_url}/_emulator/stats", timeout=10)
    emulator.clear_faults()
    assert acme.call("GET", timeout=10).status_code == 200


def test_setting_rules_keeps_the_latency_and_setting_latency_keeps_the_rules(emulator):
    emulator.set_faults(latency_ms=5)
    emulator.set_faults(rules=[rule(status=500)])
    emulator.set_faults(latency_ms=7)
    faults = emulator.faults()
    assert faults["latency_ms"] == 7
    assert faults["rules"] == [rule(status=500)]


def test_clearing_faults_removes_the_latency_and_every_rule(emulator, acme):
    emulator.set_faults(rules=[rule(method="GET", status=500)], latency_ms=20)
    assert emulator.clear_faults() == {"latency_ms": 0, "rules": []}
    assert acme.call("GET").status_code == 200


def test_faults_never_touch_the_controls(emulator):
    emulator.set_faults(rules=[rule(method="*", path="", status=500, count=100)])
    assert emulator.stats()["api_calls"] == 0
    assert emulator.create_tenant()["tenant_id"]
    assert emulator.faults()["rules"][0]["count"] == 100


@pytest.mark.parametrize(
    "rules",
    [
        [rule(status=500, action="reset")],
        [{"method": "GET"}],
        [rule(status=99)],
        [rule(status=204)],
        [rule(status="500")],
        [rule(action="explode")],
        [rule(method="FETCH", status=500)],
        [rule(path="(", status=500)],
        [rule(count=0, status=500)],
        [rule(count=1.5, status=500)],
        [rule(when="during", status=500)],
        [dict(rule(status=500), colour="red")],
        ["not a rule"],
        "not a list",
    ],
)
def test_an_invalid_rule_is_a_400_with_a_message_and_changes_nothing(emulator, rules):
    response = requests.post(
        f"{emulator.base_url}/_emulator/faults", json={"rules": rules}, timeout=30
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"]
    assert emulator.faults() == {"latency_ms": 0, "rules": []}


@pytest.mark.parametrize("latency", [-1, "10", 10**9, None])
def test_an_invalid_latency_is_a_400(emulator, latency):
    response = requests.post(
        f"{emulator.base_url}/_emulator/faults", json={"latency_ms": latency}, timeout=30
    )
    assert response.status_code == 400


@pytest.mark.slow  # starts an emulator of its own
def test_stopping_the_emulator_ends_a_hanging_request_promptly():
    server = start_emulator()
    session = TenantSession.create(server.control)
    server.control.set_faults(rules=[rule(method="GET", action="hang")])
    outcome: list[object] = []

    def hanging_client():
        try:
            outcome.append(session.call("GET", timeout=60))
        except requests.RequestException as exc:
            outcome.append(exc)

    client = threading.Thread(target=hanging_client)
    client.start()
    deadline = time.monotonic() + 10
    while server.state.faults.snapshot()["rules"] and time.monotonic() < deadline:
        time.sleep(0.01)  # until the server has taken the request

    stopper = threading.Thread(target=server.stop)
    stopper.start()
    stopper.join(timeout=10)
    client.join(timeout=10)

    assert not stopper.is_alive() and not client.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], requests.ConnectionError)
    with pytest.raises(requests.ConnectionError):
        requests.get(server.identity_url, timeout=5)


def test_a_rule_with_a_probability_fails_about_that_share_of_matching_requests(emulator):
    session = TenantSession.create(emulator)
    emulator.set_faults(
        rules=[
            {"method": "GET", "path": "/apps$", "count": 1000, "status": 503, "probability": 0.2}
        ]
    )
    statuses = [session.call("GET").status_code for _ in range(200)]
    failed = statuses.count(503)
    assert set(statuses) == {200, 503}
    assert 20 <= failed <= 60  # 40 expected; the seeded draw makes it the same every run
    assert emulator.faults()["rules"][0]["count"] == 1000 - failed


@pytest.mark.parametrize("probability", [0, -0.5, 1.5, "half", True])
def test_a_probability_outside_zero_to_one_is_refused(emulator, probability):
    with pytest.raises(EmulatorControlError) as raised:
        emulator.set_faults(rules=[{"status": 503, "probability": probability}])
    assert raised.value.status == 400


# --- After the request was carried out: what a gateway in front of ECL does -----------------

ENVOY_503 = "upstream connect error or disconnect/reset before headers. reset reason: overflow"
GATEWAY_PAGE = "<html><head><title>504 Gateway Time-out</title></head><body>nginx</body></html>"


def journal_of(emulator, method: str) -> list[dict]:
    """The apps API requests of `method` the emulator journaled (no token requests)."""
    return [
        entry
        for entry in emulator.requests()
        if entry["method"] == method and entry["path"].startswith("/tenants/")
    ]


def test_a_gateway_page_after_is_answered_as_given_and_the_app_was_made(emulator, acme):
    emulator.set_faults(
        rules=[rule(status=504, when="after", body=GATEWAY_PAGE, content_type="text/html")]
    )

    response = acme.call("POST", json={"description": "made behind the gateway"})

    assert response.status_code == 504
    assert response.text == GATEWAY_PAGE
    assert response.headers["Content-Type"] == "text/html"
    assert [app["description"] for app in acme.call("GET").json()] == ["made behind the gateway"]
    [entry] = journal_of(emulator, "POST")
    assert entry["carried_out"] is True and entry["status"] == 200 and entry["answer"] == 504


def test_envoys_plain_text_503_with_headers(emulator, acme):
    emulator.set_faults(
        rules=[rule(status=503, when="after", body=ENVOY_503, headers={"Retry-After": "30"})]
    )

    response = acme.call("POST", json={"description": "x"})

    assert response.status_code == 503
    assert response.text == ENVOY_503
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Retry-After"] == "30"


def test_headers_can_be_added_to_the_emulators_own_error(emulator, acme):
    emulator.set_faults(rules=[rule(status=429, headers={"Retry-After": "7"})])
    response = acme.call("POST", json={"description": "x"})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.json() == {"error": {"code": 429, "message": "Injected fault"}}
    [entry] = journal_of(emulator, "POST")
    assert entry["carried_out"] is False and entry["status"] is None and entry["answer"] == 429


def test_the_journal_says_what_was_carried_out_and_what_the_client_got(emulator, acme):
    emulator.clear_requests()
    emulator.set_faults(
        rules=[
            rule(action="reset", when="after"),
            rule(method="PUT", path="/apps/", action="reset"),
        ]
    )
    with pytest.raises(requests.ConnectionError):
        acme.call("POST", json={"description": "made"})
    with pytest.raises(requests.ConnectionError):
        acme.call("PUT", "/1000", json={"description": "never"})
    assert acme.call("DELETE", "/1000").status_code == 200
    assert acme.call("DELETE", "/1000").status_code == 403

    made, never, deleted, missing = [
        entry for entry in emulator.requests() if entry["path"].startswith("/tenants/")
    ]
    assert (made["carried_out"], made["status"], made["answer"]) == (True, 200, "reset")
    assert (never["carried_out"], never["status"], never["answer"]) == (False, None, "reset")
    assert never["handled_at"] is None
    assert (deleted["carried_out"], deleted["answer"]) == (True, 200)
    assert (missing["carried_out"], missing["status"], missing["answer"]) == (False, 403, 403)
    assert made["received_at"] <= made["handled_at"] <= deleted["received_at"]


@pytest.mark.slow  # holds an answer for 0.6 s
def test_a_held_list_describes_the_apps_before_a_change_made_meanwhile(emulator, acme):
    emulator.set_faults(
        rules=[rule(method="GET", path="/apps$", action="hold", hold_ms=600, when="after")]
    )
    listed: list = []
    reader = threading.Thread(target=lambda: listed.append(acme.call("GET").json()))
    reader.start()
    give_up = time.monotonic() + 30
    while not [e for e in emulator.requests() if e["method"] == "GET" and e["handled_at"]]:
        assert time.monotonic() < give_up, "the list was never read"
        time.sleep(0.01)  # waits on a condition: the list was read at the emulator
    assert acme.call("POST", json={"description": "made during the hold"}).status_code == 200
    reader.join(timeout=30)

    assert listed == [[]]
    assert len(acme.call("GET").json()) == 1


def test_a_hold_before_handles_the_request_after_it(emulator, acme):
    emulator.set_faults(rules=[rule(action="hold", hold_ms=1, when="before")])
    assert acme.call("POST", json={"description": "late"}).status_code == 200
    [entry] = journal_of(emulator, "POST")
    assert entry["carried_out"] is True
    assert emulator.faults()["rules"] == []


@pytest.mark.parametrize(
    "bad",
    [
        {"action": "reset", "body": "x"},
        {"status": 503, "body": 5},
        {"status": 503, "body": "x" * 70_000},
        {"status": 503, "headers": {"Retry-After": "1\r\nX: y"}},
        {"status": 503, "headers": {"Bad Name": "1"}},
        {"status": 503, "headers": ["Retry-After"]},
        {"status": 503, "content_type": 3},
        {"action": "hold", "hold_ms": 0},
        {"action": "reset", "hold_ms": 10},
    ],
)
def test_invalid_gateway_answers_and_holds_are_refused(emulator, bad):
    response = requests.post(
        f"{emulator.base_url}/_emulator/faults", json={"rules": [bad]}, timeout=30
    )
    assert response.status_code == 400
    assert emulator.faults() == {"latency_ms": 0, "rules": []}


def test_a_rule_shows_its_gateway_answer_and_hold(emulator):
    shown = emulator.set_faults(
        rules=[
            rule(status=503, when="after", body=ENVOY_503, headers={"Retry-After": "3"}),
            rule(method="GET", action="hold", hold_ms=250, when="after"),
        ]
    )["rules"]
    assert shown[0]["body"] == ENVOY_503 and shown[0]["headers"] == {"Retry-After": "3"}
    assert shown[1]["action"] == "hold" and shown[1]["hold_ms"] == 250
