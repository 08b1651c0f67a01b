"""`make bench`: the portal's cost on top of the ECL API, side by side in one run.

Starts the emulator (50 ms added to every answer) with two tenants, the portal under gunicorn
(2 workers with threads; Redis cache when one answers), then alternates direct and portal
requests so drift hits both sides, and writes bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests

from bench import stack
from ecl_emulator.control import EmulatorControl
from ecl_emulator.testing import issue_token

RESULTS = Path(__file__).resolve().parent / "results.json"
PASSWORD = "bench-password-not-secret-1"
HTTPS = {"X-Forwarded-Proto": "https"}


@dataclass(frozen=True)
class Size:
    name: str
    apps: int
    rounds: int


FULL = (Size("200", 200, 40), Size("10k", 10_000, 15))
TINY = (Size("5", 5, 3),)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class PortalClient:
    """A logged-in browser and an API token holder, both speaking to gunicorn as through TLS."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.api = requests.Session()
        self.api.headers.update({**HTTPS, "Authorization": f"Token {token}"})
        login = self.session.get(f"{base_url}/login/", headers=HTTPS)
        csrf = login.cookies["csrftoken"]
        origin = base_url.replace("http://", "https://")
        answer = self.session.post(
            f"{base_url}/login/",
            data={"username": "bench", "password": PASSWORD, "csrfmiddlewaretoken": csrf},
            headers={
                **HTTPS,
                "Referer": f"{origin}/login/",
                "Cookie": f"csrftoken={csrf}",
            },
            allow_redirects=False,
        )
        session_id = answer.cookies.get("sessionid")
        if answer.status_code != 302 or not session_id:
            raise RuntimeError(f"cannot log in to the portal: {answer.status_code}")
        # Secure cookies are not sent over http by requests; send them as the proxy would.
        self.session.headers.update({**HTTPS, "Cookie": f"sessionid={session_id}"})

    def page(self, path: str) -> requests.Response:
        response = self.session.get(self.base_url + path, allow_redirects=False)
        response.raise_for_status()
        return response


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def set_up(emulator_url: str, site: stack.Portal, sizes: tuple[Size, ...]) -> dict:
    control = EmulatorControl(emulator_url)
    tenants = {}
    for size in sizes:
        credentials = control.create_tenant(apps=size.apps)
        site.manage(
            "tenant_add",
            "--name",
            f"Bench {size.name}",
            "--tenant-id",
            credentials["tenant_id"],
            "--identity-url",
            f"{emulator_url}/v3",
            "--api-url",
            emulator_url,
            "--api-key",
            credentials["api_key"],
            extra_env={"ECL_API_SECRET": credentials["api_secret"]},
        )
        tenants[size.name] = credentials
    site.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_superuser('bench', '', '{PASSWORD}')",
    )
    # The token is alone on the last line of the command's output.
    token = site.manage("api_token", "bench", "--name", "bench").splitlines()[-1]
    return {"control": control, "tenants": tenants, "token": token}


def scenarios(emulator_url: str, client: PortalClient, tenant: dict, app_id: str, keystone: str):
    tid = tenant["tenant_id"]
    direct = requests.Session()
    direct.headers.update({"X-Auth-Token": keystone, "Content-Type": "application/json"})
    return {
        "direct_list": lambda: direct.get(f"{emulator_url}/tenants/{tid}/apps?expandApps").json(),
        "direct_get": lambda: direct.get(f"{emulator_url}/tenants/{tid}/apps/{app_id}").json(),
        "page_list": lambda: client.page(f"/tenants/{tid}/apps/"),
        "api_list": lambda: client.api.get(
            f"{client.base_url}/api/tenants/{tid}/apps?expandApps"
        ).json(),
        "page_detail": lambda: client.page(f"/tenants/{tid}/apps/{app_id}/"),
        "page_floor": lambda: client.page(f"/bench/floor/{tid}/{app_id}/"),
        "api_get": lambda: client.api.get(
            f"{client.base_url}/api/tenants/{tid}/apps/{app_id}"
        ).json(),
    }


BASELINE = {
    "page_list": "direct_list",
    "api_list": "direct_list",
    "page_detail": "direct_get",
    "page_floor": "direct_get",
    "api_get": "direct_get",
}


def measure(
    setup: dict, emulator_url: str, client: PortalClient, sizes: tuple[Size, ...]
) -> tuple[dict, int]:
    control: EmulatorControl = setup["control"]
    results, token_requests = {}, 0
    for size in sizes:
        tenant = setup["tenants"][size.name]
        keystone = issue_token(
            f"{emulator_url}/v3", tenant["tenant_id"], tenant["api_key"], tenant["api_secret"]
        )
        app_id = str(
            requests.get(
                f"{emulator_url}/tenants/{tenant['tenant_id']}/apps",
                headers={"X-Auth-Token": keystone},
            ).json()[0]["id"]
        )
        calls = scenarios(emulator_url, client, tenant, app_id, keystone)
        control.reset_stats()  # the direct side's own token request above is not the portal's
        for call in calls.values():  # warm up: tokens, connections, caches
            call()
        token_requests += control.stats()["auth_calls"]
        timings = {name: [] for name in calls}
        upstream = {name: [] for name in calls}
        for _ in range(size.rounds):
            for name, call in calls.items():  # alternating, so drift hits every side alike
                control.reset_stats()
                timings[name].append(timed(call))
                stats = control.stats()
                token_requests += stats["auth_calls"]
                upstream[name].append(stats["api_calls"])
        for name in calls:
            p50 = statistics.median(timings[name])
            entry = {
                "p50_ms": round(p50, 1),
                "p95_ms": round(percentile(timings[name], 0.95), 1),
                "upstream_calls_per_view": round(statistics.mean(upstream[name]), 2),
            }
            if name in BASELINE:
                entry["ratio_p50"] = round(p50 / statistics.median(timings[BASELINE[name]]), 3)
            results[f"{name}@{size.name}"] = entry
    return results, token_requests


def throughput(client: PortalClient, path: str, *, clients: int, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    durations: list[float] = []
    errors = 0

    def work() -> None:
        nonlocal errors
        session = requests.Session()
        session.headers.update(client.session.headers)
        while time.monotonic() < deadline:
            started = time.perf_counter()
            response = session.get(client.base_url + path, allow_redirects=False)
            durations.append((time.perf_counter() - started) * 1000)
            errors += response.status_code != 200

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        for _ in range(clients):
            pool.submit(work)
    elapsed = time.monotonic() - started
    return {
        "rps": round(len(durations) / elapsed, 1),
        "p95_ms": round(percentile(durations, 0.95), 1),
        "requests": len(durations),
        "errors": errors,
    }


def run(*, tiny: bool, latency_ms: int, output: Path) -> dict:
    sizes = TINY if tiny else FULL
    with (
        tempfile.TemporaryDirectory() as workdir,
        stack.emulator(latency_ms) as emulator_url,
        stack.portal(Path(workdir)) as site,
    ):
        setup = set_up(emulator_url, site, sizes)
        client = PortalClient(site.base_url, setup["token"])
        setup["control"].reset_stats()
        scenario_results, token_requests = measure(setup, emulator_url, client, sizes)
        small = setup["tenants"][sizes[0].name]["tenant_id"]
        first_app = client.api.get(f"{site.base_url}/api/tenants/{small}/apps").json()[0]["id"]
        setup["control"].reset_stats()
        seconds = 2 if tiny else 15
        load = {
            "page_list": throughput(client, f"/tenants/{small}/apps/", clients=32, seconds=seconds),
            "page_detail": throughput(
                client, f"/tenants/{small}/apps/{first_app}/", clients=32, seconds=seconds
            ),
        }
        token_requests += setup["control"].stats()["auth_calls"]
        peak = max(stack.peak_rss_mb(pid) for pid in site.worker_pids())
        results = {
            "env": {
                "python": platform.python_version(),
                "machine": platform.machine(),
                "cpus": os.cpu_count(),
                "cache": "redis" if site.cache.startswith("redis") else "local memory",
                "latency_ms": latency_ms,
                "gunicorn": "2 workers x 4 threads",
                "tenants": {s.name: s.apps for s in sizes},
            },
            "scenarios": scenario_results,
            "token_requests": token_requests,
            "throughput": load,
            "worker_peak_rss_mb": round(peak, 1),
        }
    output.write_text(json.dumps(results, indent=2) + "\n")
    return results


def table(results: dict) -> str:
    lines = [f"{'scenario':<22}{'p50 ms':>9}{'p95 ms':>9}{'ratio':>8}{'calls/view':>12}"]
    for name, entry in results["scenarios"].items():
        ratio = f"{entry['ratio_p50']:.2f}" if "ratio_p50" in entry else "-"
        lines.append(
            f"{name:<22}{entry['p50_ms']:>9.1f}{entry['p95_ms']:>9.1f}{ratio:>8}"
            f"{entry['upstream_calls_per_view']:>12.2f}"
        )
    lines.append(f"token requests over the run: {results['token_requests']}")
    for name, load in results["throughput"].items():
        lines.append(
            f"32 clients on {name}: {load['rps']} req/s, p95 {load['p95_ms']} ms, "
            f"{load['errors']} errors"
        )
    lines.append(f"worker peak RSS: {results['worker_peak_rss_mb']} MB")
    lines.append(f"cache: {results['env']['cache']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="a few requests at a tiny size")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    if not stack.redis_answers():
        print("No Redis on 127.0.0.1:6379: the portal uses its local-memory cache.")
    results = run(tiny=args.tiny, latency_ms=args.latency_ms, output=args.output)
    print(table(results))
    print(f"Wrote {args.output}")


if __name__ == "__main__":
    main()
