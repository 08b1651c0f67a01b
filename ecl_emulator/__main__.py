"""Command line: `python -m ecl_emulator [--host H] [--port P] [--demo] ...`."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence

from . import seed
from .server import EmulatorServer
from .state import EmulatorState


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line options."""
    parser = argparse.ArgumentParser(
        prog="python -m ecl_emulator",
        description="Emulate ECL's Keystone identity service and the SkyWay apps API.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8001, help="port; 0 picks a free one (8001)")
    parser.add_argument("--token-ttl", type=int, default=3600, help="token lifetime, seconds")
    parser.add_argument("--latency-ms", type=int, default=0, help="delay added to every answer")
    parser.add_argument("--demo", action="store_true", help="seed the fixed demo tenant")
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    args = parser.parse_args(argv)
    if args.token_ttl < 0 or args.latency_ms < 0:
        parser.error("--token-ttl and --latency-ms cannot be negative")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until SIGINT or SIGTERM, then stop cleanly and return 0."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    state = EmulatorState(token_ttl=args.token_ttl, latency_ms=args.latency_ms, demo=args.demo)
    try:
        server = EmulatorServer(state, args.host, args.port, log_requests=not args.quiet)
    except OSError as exc:
        print(f"Cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, name="ecl-emulator", daemon=True)
    thread.start()
    url = server.base_url
    print(f"ECL emulator listening on {url} (identity {url}/v3, apps API {url})", flush=True)
    print(f"ECL_IDENTITY_URL={url}/v3", flush=True)
    print(f"ECL_API_URL={url}", flush=True)
    if args.demo:
        print(
            f"Demo tenant {seed.DEMO_TENANT_ID} is seeded with {seed.DEMO_APP_COUNT} apps; "
            "sign in with this ECL API key pair:",
            flush=True,
        )
        print(f"ECL_TENANT_ID={seed.DEMO_TENANT_ID}", flush=True)
        print(f"ECL_API_KEY={seed.DEMO_API_KEY}", flush=True)
        print(f"ECL_API_SECRET={seed.DEMO_API_SECRET}", flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    while not stop.wait(0.5):
        pass
    server.stop()
    thread.join(timeout=10)
    print("ECL emulator stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
