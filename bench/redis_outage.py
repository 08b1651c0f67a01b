"""`python -m bench.redis_outage`: what users get while Redis is down.

Starts a redis-server of its own on a free port (never the machine's shared one), the emulator,
and the portal under gunicorn as `make serve` runs it (2 workers x 4 threads) with that Redis as
its cache. A few client threads keep a steady load (one each: the apps page of a signed-in
person, the API's apps list, a whole sign-in, `/healthz`, `/healthz?strict`); after `--before`
seconds Redis is stopped for `--outage` seconds, then started again (empty, as after a restart)
for `--after` seconds. Prints the answers by status for each kind and phase, how many WARNING
lines the portal logged about Redis, and when `/healthz?strict` answered 200 again; writes the
same as JSON to `--json` when given.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests

from bench import stack
from bench.run import HTTPS, PASSWORD, PortalClient
from ecl_emulator.control import EmulatorControl

KINDS = ("page", "api", "sign-in", "healthz", "healthz?strict")
PHASES = ("before", "outage", "after")
PAUSE = 0.02  # seconds between one client's requests: steady, not flat out


def set_up(emulator_url: str, site: stack.Portal) -> tuple[str, str]:
    """One tenant with 5 apps and the superuser `bench`; returns (tenant id, API token)."""
    credentials = EmulatorControl(emulator_url).create_tenant(apps=5)
    site.add_tenant("Outage", emulator_url, credentials)
    site.add_superuser("bench", PASSWORD)
    token = site.manage("api_token", "bench", "--name", "outage", "--scope", "read")
    return credentials["tenant_id"], token.splitlines()[-1]


def sign_in(base_url: str) -> tuple[int, bool]:
    """A whole sign-in from a new browser: the form, then the password; right when it lands."""
    browser = requests.Session()
    form = browser.get(f"{base_url}/login/", headers=HTTPS, timeout=30)
    if form.status_code != 200:
        return form.status_code, False
    csrf = form.cookies.get("csrftoken", "")
    origin = base_url.replace("http://", "https://")
    answer = browser.post(
        f"{base_url}/login/",
        data={"username": "bench", "password": PASSWORD, "csrfmiddlewaretoken": csrf},
        headers={**HTTPS, "Referer": f"{origin}/login/", "Cookie": f"csrftoken={csrf}"},
        allow_redirects=False,
        timeout=30,
    )
    return answer.status_code, answer.status_code == 302 and "sessionid" in answer.cookies


def requests_of(base_url: str, tenant_id: str, token: str) -> dict[str, Callable]:
    """Each kind's request: returns (status, whether the body is what a person expects)."""
    person = PortalClient(base_url, token)
    apps_path = f"/tenants/{tenant_id}/apps/"
    listed = person.api.get(f"{base_url}/api/tenants/{tenant_id}/apps", timeout=30).json()
    app_ids = [str(app["id"]) for app in listed]

    def page() -> tuple[int, bool]:
        answer = person.session.get(base_url + apps_path, allow_redirects=False, timeout=30)
        return answer.status_code, all(app_id in answer.text for app_id in app_ids)

    def api() -> tuple[int, bool]:
        answer = person.api.get(f"{base_url}/api/tenants/{tenant_id}/apps", timeout=30)
        return answer.status_code, answer.status_code == 200 and len(answer.json()) == 5

    def health(strict: bool) -> Callable[[], tuple[int, bool]]:
        def check() -> tuple[int, bool]:
            answer = requests.get(f"{base_url}/healthz{'?strict' if strict else ''}", timeout=30)
            return answer.status_code, answer.json().get("database") == "ok"

        return check

    return {
        "page": page,
        "api": api,
        "sign-in": lambda: sign_in(base_url),
        "healthz": health(False),
        "healthz?strict": health(True),
    }


def run(before: float, outage: float, after: float) -> dict:
    program = shutil.which("redis-server")
    if program is None:
        raise SystemExit("redis-server is not installed")
    server = stack.RedisServer(program)
    server.start()
    with tempfile.TemporaryDirectory() as workdir, stack.emulator(latency_ms=20) as emulator_url:
        log = Path(workdir) / "portal.log"
        with stack.portal(Path(workdir), cache_url=server.url, log=log) as site:
            tenant_id, token = set_up(emulator_url, site)
            calls = requests_of(site.base_url, tenant_id, token)
            results = drive(calls, server, before, outage, after)
            warnings = [
                line
                for line in log.read_text(errors="replace").splitlines()
                if " WARNING " in line and "redis" in line.lower()
            ]
            results["redis_warnings"] = len(warnings)
            results["redis_warning_example"] = warnings[0] if warnings else ""
    server.stop()
    return results


def drive(calls: dict[str, Callable], server: stack.RedisServer, *phases: float) -> dict:
    before, outage, after = phases
    seen: list[tuple[float, str, int, bool]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(kind: str) -> None:
        while not stop.is_set():
            at = time.monotonic()
            try:
                status, right = calls[kind]()
            except requests.RequestException:
                status, right = 0, False  # no answer at all
            with lock:
                seen.append((at, kind, status, right))
            time.sleep(PAUSE)

    threads = [threading.Thread(target=client, args=(kind,)) for kind in KINDS]
    for thread in threads:
        thread.start()
    time.sleep(before)
    stopped_at = time.monotonic()
    server.stop()
    time.sleep(outage)
    started_at = time.monotonic()
    server.start()
    time.sleep(after)
    stop.set()
    for thread in threads:
        thread.join()

    def phase(at: float) -> str:
        return "before" if at < stopped_at else "outage" if at < started_at else "after"

    counts: dict = {p: {k: collections.Counter() for k in KINDS} for p in PHASES}
    for at, kind, status, right in seen:
        label = str(status) if right or status not in (200, 302) else f"{status} wrong body"
        counts[phase(at)][kind][label] += 1
    strict_back = [
        at - started_at
        for at, kind, status, _ in seen
        if kind == "healthz?strict" and status == 200 and at >= started_at
    ]
    return {
        "seconds": {"before": before, "outage": outage, "after": after},
        "counts": {
            p: {k: dict(sorted(c.items())) for k, c in v.items()} for p, v in counts.items()
        },
        "strict_healthz_200_again_after_s": round(min(strict_back), 2) if strict_back else None,
    }


def table(results: dict) -> str:
    lines = ["| phase | " + " | ".join(KINDS) + " |", "|---" * (len(KINDS) + 1) + "|"]
    for phase in PHASES:
        cells = []
        for kind in KINDS:
            found = results["counts"][phase][kind]
            cells.append(", ".join(f"{status}: {n}" for status, n in found.items()) or "-")
        lines.append(f"| {phase} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=float, default=5.0)
    parser.add_argument("--outage", type=float, default=20.0)
    parser.add_argument("--after", type=float, default=10.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = run(args.before, args.outage, args.after)
    print(table(results))
    print(f"WARNING lines about Redis in the portal's log: {results['redis_warnings']}")
    print(f"  e.g. {results['redis_warning_example']}")
    print(
        "/healthz?strict answered 200 again "
        f"{results['strict_healthz_200_again_after_s']} s after Redis started"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
