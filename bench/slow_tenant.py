"""One tenant's ECL trickles: how fast `/healthz` and another tenant's apps list answer meanwhile.

    .venv/bin/python -m bench.slow_tenant [--slow-requests 16] [--workers 2] [--threads 4]
        [--burst 32] [--tenant-concurrency N] [--tenant-wait SECONDS]

Starts the emulator (50 ms latency) and the portal under gunicorn as `make serve` does, registers
two tenants, makes every apps list of one of them trickle (a byte a second), sends it
`--slow-requests` page requests at once and, until they are all answered, asks for `/healthz`
and the other tenant's apps list in turn. Prints the p50 and max of each, and what the slow
tenant's requests got. First, a healthy tenant's burst (`--burst` pages at once, ECL answering
as usual): how many got the busy answer, the bulkhead's cost when nothing is slow. The cache is
Redis database BENCH_REDIS_DB when Redis answers.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bench import stack
from bench.run import PASSWORD, PortalClient, percentile
from ecl_emulator.control import EmulatorControl


@dataclass
class Answer:
    status: int
    seconds: float
    text: str = ""
    retry_after: str = ""


@dataclass
class Outcome:
    slow: list[Answer]
    health: list[float] = field(default_factory=list)  # seconds each
    other: list[float] = field(default_factory=list)
    other_statuses: Counter = field(default_factory=Counter)
    health_statuses: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class Setup:
    site: stack.Portal
    control: EmulatorControl
    browser: PortalClient
    slow_id: str
    other_id: str


def register(site: stack.Portal, control: EmulatorControl, name: str, apps: int) -> str:
    return site.add_tenant(name, control.api_url, control.create_tenant(apps=apps))


def prepare(site: stack.Portal, control: EmulatorControl, *, apps: int = 20) -> Setup:
    """Two tenants, a superuser `bench` signed in, both tenants' tokens fetched."""
    slow_id = register(site, control, "Slow", apps)
    other_id = register(site, control, "Other", apps)
    site.add_superuser("bench", PASSWORD)
    token = site.manage("api_token", "bench", "--name", "slow", "--scope", "read")
    browser = PortalClient(site.base_url, token.splitlines()[-1])
    for tenant_id in (slow_id, other_id):
        for _ in range(4):  # each worker's first request may fetch a token
            browser.page(f"/tenants/{tenant_id}/apps/")
    return Setup(site, control, browser, slow_id, other_id)


def burst(setup: Setup, requests_at_once: int) -> Counter:
    """A healthy tenant's burst: `requests_at_once` apps-list pages at once, ECL answering as
    usual. What the bulkhead costs when no tenant is slow: how many got the busy answer."""
    url = f"{setup.site.base_url}/tenants/{setup.other_id}/apps/"
    headers = dict(setup.browser.session.headers)
    with ThreadPoolExecutor(requests_at_once) as pool:
        answers = pool.map(
            lambda _: requests.get(url, headers=headers, timeout=120, allow_redirects=False),
            range(requests_at_once),
        )
        return Counter(answer.status_code for answer in answers)


def trickle(control: EmulatorControl, tenant_id: str) -> None:
    rule = {"method": "GET", "path": f"^/tenants/{tenant_id}/apps$", "count": 10_000}
    control.set_faults(rules=[{**rule, "action": "trickle", "interval_ms": 1000}])


def _timed(get: Callable[[], requests.Response]) -> Answer:
    started = time.monotonic()
    response = get()
    return Answer(
        response.status_code,
        time.monotonic() - started,
        response.text,
        response.headers.get("Retry-After", ""),
    )


def measure(setup: Setup, slow_requests: int, *, language: str = "en") -> Outcome:
    """Send the slow tenant `slow_requests` page requests at once; meanwhile, one after another,
    `/healthz` and the other tenant's apps list, until the slow ones are all answered."""
    headers = {**setup.browser.session.headers, "Accept-Language": language}
    base = setup.site.base_url

    def page(tenant_id: str) -> requests.Response:
        url = f"{base}/tenants/{tenant_id}/apps/"
        return requests.get(url, headers=headers, timeout=120, allow_redirects=False)

    with ThreadPoolExecutor(slow_requests) as pool:
        pending = [pool.submit(_timed, lambda: page(setup.slow_id)) for _ in range(slow_requests)]
        outcome = Outcome(slow=[])
        time.sleep(0.2)  # let them reach the workers first
        while wait(pending, timeout=0.1).not_done:
            health = _timed(lambda: requests.get(f"{base}/healthz", timeout=120))
            outcome.health.append(health.seconds)
            outcome.health_statuses[health.status] += 1
            other = _timed(lambda: page(setup.other_id))
            outcome.other.append(other.seconds)
            outcome.other_statuses[other.status] += 1
        outcome.slow = [future.result() for future in pending]
    return outcome


def summary(outcome: Outcome) -> str:
    def figures(values: list[float]) -> str:
        if not values:
            return "no samples"
        return (
            f"p50 {statistics.median(values) * 1000:.0f} ms, p95 "
            f"{percentile(values, 0.95) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms "
            f"({len(values)} samples)"
        )

    by_status = Counter(answer.status for answer in outcome.slow)
    slowest = {
        status: max(a.seconds for a in outcome.slow if a.status == status) for status in by_status
    }
    lines = [
        f"/healthz: {figures(outcome.health)}; statuses {dict(outcome.health_statuses)}",
        f"other tenant's apps list: {figures(outcome.other)}; "
        f"statuses {dict(outcome.other_statuses)}",
        "slow tenant: "
        + ", ".join(
            f"{count} x {status} (slowest {slowest[status]:.1f} s)"
            for status, count in sorted(by_status.items())
        ),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slow-requests", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--burst", type=int, default=32)
    parser.add_argument("--tenant-wait", default=None, help="ECL_TENANT_WAIT of the portal (s)")
    parser.add_argument(
        "--tenant-concurrency",
        default=None,
        help="ECL_TENANT_CONCURRENCY of the portal (0: no bulkhead, as before it was built)",
    )
    args = parser.parse_args()
    settings = {}
    if args.tenant_concurrency is not None:
        settings["ECL_TENANT_CONCURRENCY"] = str(args.tenant_concurrency)
    if args.tenant_wait is not None:
        settings["ECL_TENANT_WAIT"] = str(args.tenant_wait)
    with (
        tempfile.TemporaryDirectory() as workdir,
        stack.emulator(args.latency_ms) as url,
        stack.portal(
            Path(workdir), workers=args.workers, threads=args.threads, settings=settings
        ) as site,
    ):
        control = EmulatorControl(url)
        setup = prepare(site, control)
        healthy = burst(setup, args.burst)
        trickle(control, setup.slow_id)
        outcome = measure(setup, args.slow_requests)
        print(
            f"{args.workers} workers x {args.threads} threads, cache {site.cache.split('://')[0]}, "
            f"ECL_TENANT_CONCURRENCY {args.tenant_concurrency or 'default'}, "
            f"ECL_TENANT_WAIT {args.tenant_wait or 'default'}, "
            f"emulator latency {args.latency_ms} ms, {args.slow_requests} requests to the "
            "trickling tenant at once:"
        )
        print(f"a healthy tenant, {args.burst} requests at once: {dict(healthy)}")
        print(summary(outcome))


if __name__ == "__main__":
    main()
