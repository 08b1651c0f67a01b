"""The price of each middleware and the CPU time of each view, measured inside one process.

`make bench` runs this next to gunicorn, on the same database and cache: the portal's requests
go through Django's whole handler (Django's test client: no socket, no gunicorn), and each
middleware is timed apart from what it wraps (middleware_timing.py). Times are the thread's CPU
time (`time.thread_time`), which the machine's other work inflates less than wall-clock time.

Prints one JSON object: `middleware_us` (median microseconds of each middleware's own work per
request of the floor page, in MIDDLEWARE order, then the view's and the whole handler's), and
`view_cpu_ms` (median CPU milliseconds per request of each path, the ECL call's client side
and the test client's own work included).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--app", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench import middleware_timing

    settings.MIDDLEWARE = middleware_timing.timed(settings.MIDDLEWARE)
    https = {"HTTP_HOST": "127.0.0.1", "HTTP_X_FORWARDED_PROTO": "https"}
    page = Client(**https)
    page.force_login(get_user_model().objects.get(username="bench"))
    api = Client(**https, HTTP_AUTHORIZATION=f"Token {args.token}")
    tenant, app = args.tenant, args.app
    paths = {
        "page_floor": (page, f"/bench/floor/{tenant}/{app}/"),
        "api_get": (api, f"/api/tenants/{tenant}/apps/{app}"),
        "api_list": (api, f"/api/tenants/{tenant}/apps?expandApps"),
        "page_detail": (page, f"/tenants/{tenant}/apps/{app}/"),
        "page_list": (page, f"/tenants/{tenant}/apps/"),
    }
    cpu: dict[str, list[float]] = {name: [] for name in paths}
    shares: dict[str, list[float]] = {}
    for round_number in range(args.rounds + 5):  # 5 to warm up
        for name, (client, path) in paths.items():
            middleware_timing.start_request()
            started = time.thread_time()
            response = client.get(path, secure=True)
            spent = time.thread_time() - started
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
            if round_number < 5:
                continue
            cpu[name].append(spent * 1000)
            if name == "page_floor":
                for key, value in middleware_timing.own_shares().items():
                    shares.setdefault(key, []).append(value * 1e6)
    print(
        json.dumps(
            {
                "middleware_us": {k: round(statistics.median(v), 1) for k, v in shares.items()},
                "view_cpu_ms": {k: round(statistics.median(v), 2) for k, v in cpu.items()},
                "rounds": args.rounds,
            }
        )
    )


if __name__ == "__main__":
    main()
