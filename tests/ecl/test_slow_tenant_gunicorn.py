"""Under gunicorn, one tenant whose ECL trickles holds at most its share of a worker's threads:
`/healthz` and another tenant's apps list never wait for it, the slow tenant's extra requests get
the busy page without waiting for it, and none waits past one budget.

"Never waits for it" is asserted as: well under half the budget, since waiting for a thread the
slow tenant holds costs a whole budget. The issue's 1 s is measured, not asserted (the suite runs
on loaded machines): `python -m bench.slow_tenant` (max 8 ms for /healthz, docs/performance.md)."""

import pytest

from bench import slow_tenant, stack
from tests.ecl.test_gunicorn_budget import run_cache

# slow: starts gunicorn and waits out a trickling upstream's budget
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("served_portal")]

BUDGET = 5.0
NOT_WAITING = BUDGET / 2  # waiting behind a trickling request would cost a whole budget
THREADS = 4
SLOW_REQUESTS = 2 * THREADS
BUSY_TEXT = (
    "ECL is answering slowly for this tenant; 2 requests are waiting for it. Nothing was sent "
    "to ECL and nothing was changed; try again in a minute."
)


def test_one_trickling_tenant_never_holds_up_healthz_or_another_tenant(
    emulator_server, emulator, tmp_path
):
    settings = {"ECL_CALL_BUDGET": str(BUDGET), "ECL_TENANT_CONCURRENCY": "2"}
    with stack.portal(
        tmp_path, workers=1, threads=THREADS, cache_url=run_cache(), settings=settings
    ) as site:
        setup = slow_tenant.prepare(site, emulator, apps=5)
        emulator.clear_requests()
        slow_tenant.trickle(emulator, setup.slow_id)
        outcome = slow_tenant.measure(setup, SLOW_REQUESTS)
        print(slow_tenant.summary(outcome))
    assert len(outcome.health) >= 3 and len(outcome.other) >= 3
    assert max(outcome.health) < NOT_WAITING
    assert max(outcome.other) < NOT_WAITING
    assert set(outcome.health_statuses) == {200} and set(outcome.other_statuses) == {200}
    busy = [answer for answer in outcome.slow if answer.status == 503]
    timed_out = [answer for answer in outcome.slow if answer.status == 504]
    # Two at a time in the one worker reach ECL and end at the budget; the rest are refused.
    assert (len(timed_out), len(busy)) == (2, SLOW_REQUESTS - 2)
    assert all(answer.seconds < NOT_WAITING for answer in busy)
    assert all(answer.retry_after == "60" for answer in busy)
    assert all(BUSY_TEXT in answer.text for answer in busy)
    # One budget, plus the transport's last poll step (< 1 s: apps_admin/ecl/transport.py).
    assert all(BUDGET - 0.5 < answer.seconds < BUDGET + 1.5 for answer in timed_out)
    assert all("ECL took too long to answer" in answer.text for answer in timed_out)
    # Exactly the two admitted requests reached the slow tenant's ECL.
    slow_path = f"/tenants/{setup.slow_id}/apps"
    assert len([e for e in emulator.requests() if e["path"] == slow_path]) == 2
