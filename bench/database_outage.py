"""What people get while the portal's PostgreSQL connections are terminated (issue #28, item 5).

The portal under gunicorn (2 workers x 4 threads) on the PostgreSQL database DATABASE_URL (its
schema is emptied first: give it a database of its own), the emulator as ECL. Client threads do
page GETs, API GETs and saves (the edit page's POST, the API's PUT) for `--seconds` while a loop
terminates every connection to that database but its own (`pg_terminate_backend`) `--sweeps`
times, evenly spread; `--runs` runs. Prints and writes the answers counted by kind and status.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python -m bench.database_outage
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import requests

from bench import stack
from bench.run import PASSWORD, PortalClient, form_fields
from ecl_emulator.control import EmulatorControl

RESULTS = Path(__file__).resolve().parent / "database-outage-results.json"
KINDS = ("page GET", "API GET", "page save", "API save")


def empty_schema(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as db:
        db.execute("DROP SCHEMA public CASCADE")
        db.execute("CREATE SCHEMA public")


def terminate(database_url: str, name: str) -> int:
    """Terminate every connection to database `name` but this one; how many."""
    with psycopg.connect(database_url, autocommit=True) as db:
        rows = db.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return sum(1 for (done,) in rows if done)


def set_up(emulator_url: str, site: stack.Portal) -> tuple[str, list[str], str]:
    control = EmulatorControl(emulator_url)
    credentials = control.create_tenant(apps=20)
    site.add_tenant("Outage", emulator_url, credentials)
    site.add_superuser("bench", PASSWORD)
    token = site.manage("api_token", "bench", "--name", "bench", "--scope", "write")
    tenant_id = credentials["tenant_id"]
    probe = PortalClient(site.base_url, token.splitlines()[-1])
    apps = probe.api.get(f"{site.base_url}/api/tenants/{tenant_id}/apps", timeout=30).json()
    return tenant_id, [str(app["id"]) for app in apps], token.splitlines()[-1]


class Counts:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.by_kind: dict[str, collections.Counter] = {k: collections.Counter() for k in KINDS}

    def add(self, kind: str, outcome: str | int) -> None:
        with self._lock:
            self.by_kind[kind][str(outcome)] += 1


def send(counts: Counts, kind: str, method, url: str, **kwargs) -> requests.Response | None:
    try:
        response = method(url, timeout=30, allow_redirects=False, **kwargs)
    except requests.RequestException as error:
        counts.add(kind, type(error).__name__)
        return None
    counts.add(kind, response.status_code)
    return response


def client_loop(kind: str, client: PortalClient, tenant_id: str, app_ids: list[str], stop, counts):
    base = client.base_url
    apps = f"{base}/tenants/{tenant_id}/apps/"
    api = f"{base}/api/tenants/{tenant_id}/apps"
    n = 0
    while not stop.is_set():
        n += 1
        app_id = app_ids[n % len(app_ids)]
        if kind == "page GET":
            send(counts, kind, client.session.get, apps if n % 2 else f"{apps}{app_id}/")
        elif kind == "API GET":
            send(counts, kind, client.api.get, api if n % 2 else f"{api}/{app_id}")
        elif kind == "API save":
            body = {"description": f"API save {n}"}
            send(counts, kind, client.api.put, f"{api}/{app_id}", json=body)
        else:
            edit = f"{apps}{app_id}/edit/"
            shown = send(counts, "page GET", client.session.get, edit)
            if shown is None or shown.status_code != 200:
                continue
            fields = [
                (k, f"Page save {n}" if k == "description" else v)
                for k, v in form_fields(shown.text)
            ]
            referer = client.origin + edit.removeprefix(base)
            send(counts, kind, client.session.post, edit, data=fields, headers={"Referer": referer})


def one_run(site, database_url: str, tenant_id, app_ids, token, seconds: float, sweeps: int):
    name = urlsplit(database_url).path.lstrip("/")
    counts, stop = Counts(), threading.Event()
    clients = [
        threading.Thread(
            target=client_loop,
            args=(kind, PortalClient(site.base_url, token), tenant_id, app_ids, stop, counts),
        )
        for kind in KINDS
        for _ in range(2)
    ]
    for thread in clients:
        thread.start()
    terminated = []
    started = time.monotonic()
    for sweep in range(sweeps):
        time.sleep(max(0.0, started + (sweep + 0.5) * seconds / sweeps - time.monotonic()))
        terminated.append(terminate(database_url, name))
    time.sleep(max(0.0, started + seconds - time.monotonic()))
    stop.set()
    for thread in clients:
        thread.join(60)
    return {
        "terminated": sum(terminated),
        "sweeps": sweeps,
        "by_kind": {kind: dict(sorted(c.items())) for kind, c in counts.by_kind.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--sweeps", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--label", default="")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("DATABASE_URL (or --database-url) must name a PostgreSQL database")
    empty_schema(args.database_url)
    results = {"label": args.label, "runs": []}
    with (
        tempfile.TemporaryDirectory() as workdir,
        stack.emulator(20) as emulator_url,
        stack.portal(Path(workdir), database_url=args.database_url) as site,
    ):
        tenant_id, app_ids, token = set_up(emulator_url, site)
        for run in range(args.runs):
            result = one_run(
                site, args.database_url, tenant_id, app_ids, token, args.seconds, args.sweeps
            )
            results["runs"].append(result)
            print(f"run {run + 1}: {json.dumps(result)}", flush=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
