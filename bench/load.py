"""`make load`: 50 locust users for 60 s against `make serve` and the emulator, healthy and with
20% of upstream calls failing with 503, then a short run after the faults are cleared.

Users arrive 10 a second and log in (a deliberately slow password hash); statistics restart once
all have arrived, so the figures are of browsing and saving, not of the login storm."""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import tempfile
from pathlib import Path

import requests

from bench import stack
from bench.run import ONE_TENANT_UNBOUNDED
from ecl_emulator.control import EmulatorControl
from ecl_emulator.testing import issue_token

PASSWORD = "load-password-not-secret-1"
RESULTS = Path(__file__).resolve().parent / "load-results.json"


def locust(host: str, environment: dict[str, str], *, users: int, seconds: int, csv_prefix: Path):
    command = [
        str(Path(stack.PYTHON).parent / "locust"),
        "-f",
        str(Path(__file__).with_name("locustfile.py")),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        "10",
        "--reset-stats",
        "--run-time",
        f"{seconds}s",
        "--host",
        host,
        "--csv",
        str(csv_prefix),
        "--only-summary",
        "--stop-timeout",
        "10",
    ]
    subprocess.run(command, env=environment, check=False, capture_output=True, text=True)
    with open(f"{csv_prefix}_stats.csv") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    total = rows["Aggregated"]
    return {
        "trouble_pages": int(Path(environment["LOAD_TROUBLE_FILE"]).read_text() or 0),
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "rps": round(float(total["Requests/s"]), 1),
        "p50_ms": float(total["50%"]),
        "p95_ms": float(total["95%"]),
        "by_name": {
            name: {"requests": int(r["Request Count"]), "failures": int(r["Failure Count"])}
            for name, r in rows.items()
            if name != "Aggregated"
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as workdir,
        stack.emulator(50) as emulator_url,
        # 50 users of one tenant: measured without the bulkhead, as bench.run is.
        stack.portal(Path(workdir), settings=ONE_TENANT_UNBOUNDED) as site,
    ):
        control = EmulatorControl(emulator_url)
        tenant = control.create_tenant(apps=200)
        site.add_tenant("Load", emulator_url, tenant)
        site.add_superuser("load", PASSWORD)
        token = issue_token(
            f"{emulator_url}/v3", tenant["tenant_id"], tenant["api_key"], tenant["api_secret"]
        )
        apps = requests.get(
            f"{emulator_url}/tenants/{tenant['tenant_id']}/apps",
            headers={"X-Auth-Token": token},
            timeout=30,
        ).json()
        environment = {
            **os.environ,
            "LOAD_TENANT_ID": tenant["tenant_id"],
            "LOAD_APP_IDS": ",".join(str(app["id"]) for app in apps[:100]),
            "LOAD_PASSWORD": PASSWORD,
            "LOAD_TROUBLE_FILE": str(Path(workdir) / "trouble"),
        }
        results = {}
        work = Path(workdir)
        print(f"Healthy: {args.users} users for {args.seconds} s ...", flush=True)
        results["healthy"] = locust(
            site.base_url,
            environment,
            users=args.users,
            seconds=args.seconds,
            csv_prefix=work / "healthy",
        )
        control.set_faults(
            rules=[
                {
                    "method": "*",
                    "path": "^/tenants/",
                    "count": 10**6,
                    "status": 503,
                    "probability": 0.2,
                }
            ]
        )
        print(f"20% of upstream calls failing with 503 for {args.seconds} s ...", flush=True)
        results["faulty_20pct_503"] = locust(
            site.base_url,
            environment,
            users=args.users,
            seconds=args.seconds,
            csv_prefix=work / "faulty",
        )
        control.clear_faults()
        control.reset_stats()
        print("Faults cleared: 15 s more ...", flush=True)
        results["after_clearing"] = locust(
            site.base_url, environment, users=args.users, seconds=15, csv_prefix=work / "after"
        )
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    for name, run in results.items():
        print(
            f"{name:<18} {run['requests']:>6} requests  {run['rps']:>6} req/s  "
            f"p50 {run['p50_ms']:>6} ms  p95 {run['p95_ms']:>6} ms  {run['failures']} failures  "
            f"{run['trouble_pages']} ECL trouble pages"
        )
    print(f"Wrote {args.output}")


if __name__ == "__main__":
    main()
