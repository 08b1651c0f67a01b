"""Start and stop what a benchmark measures: the emulator and the portal under gunicorn."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# BENCH_REDIS_DB chooses the Redis database; the run keeps its keys under a prefix of its own.
BENCH_REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "2"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_answers(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """A redis-server of our own on a free port of the loopback, without persistence, that can
    be stopped and started again on the same port (an outage, a restart that forgets
    everything). Never the machine's shared Redis."""

    def __init__(self, program: str, password: str = "") -> None:
        self.program, self.password, self.port = program, password, free_port()
        self.process: subprocess.Popen | None = None
        auth = f":{password}@" if password else ""
        self.url = f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 20) -> None:
        command = [self.program, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        if self.password:
            command += ["--requirepass", self.password]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        while not self._answers():
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith((b"+PONG", b"-NOAUTH"))
        except OSError:
            return False


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


@contextlib.contextmanager
def emulator(latency_ms: int) -> Iterator[str]:
    """The emulator in its own process; yields its base URL."""
    process = subprocess.Popen(
        [PYTHON, "-m", "ecl_emulator", "--port", "0", "--quiet", "--latency-ms", str(latency_ms)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = ""
        for line in process.stdout:
            if line.startswith("ECL_API_URL="):
                url = line.strip().split("=", 1)[1]
                break
        if not url:
            raise RuntimeError("the emulator did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class Portal:
    base_url: str
    environment: dict[str, str]
    cache: str
    cache_prefix: str
    process: subprocess.Popen | None = None

    def manage(self, *args: str, extra_env: dict[str, str] | None = None) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env={**self.environment, **(extra_env or {})},
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed: {result.stderr[-2000:]}")
        return result.stdout

    def add_tenant(self, name: str, emulator_url: str, credentials: dict[str, str]) -> str:
        """Register an emulator tenant (`create_tenant`'s credentials) with `tenant_add`, its
        secret passed in the environment as an operator would; returns its id."""
        self.manage(
            *("tenant_add", "--name", name, "--tenant-id", credentials["tenant_id"]),
            *("--identity-url", f"{emulator_url}/v3", "--api-url", emulator_url),
            *("--api-key", credentials["api_key"]),
            extra_env={"ECL_API_SECRET": credentials["api_secret"]},
        )
        return credentials["tenant_id"]

    def add_superuser(self, username: str, password: str) -> None:
        self.manage(
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            f"get_user_model().objects.create_superuser('{username}', '', '{password}')",
        )

    def clear_cache(self) -> None:
        """Empty the portal's shared cache: its keys in Redis, never the rest of the database
        (others may use it); a local-memory cache is each worker's own and starts empty."""
        if self.cache.startswith("redis"):
            import redis

            client = redis.Redis.from_url(self.cache)
            keys = list(client.scan_iter(match=f"{self.cache_prefix}:*", count=1000))
            if keys:
                client.delete(*keys)

    def worker_pids(self) -> list[int]:
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(child) for child in children.split()]


def portal_environment(
    workdir: Path, cache_url: str, cache_prefix: str, database_url: str | None = None
) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PORTAL_"))}
    return {
        **inherited,
        "PORTAL_ENV_FILE": os.devnull,
        # The portal's settings plus the benchmark's floor page (bench/urls.py).
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "off",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": "q2Qm0gq0VJ1i0bJm2H9pQ6nX7R5yE3tK8uW4sZ1aC0M=",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url or f"sqlite:///{workdir / 'bench.sqlite3'}",
        "CACHE_URL": cache_url,
        "BENCH_CACHE_PREFIX": cache_prefix,
        # As behind the TLS proxy of a real deployment: the client says https.
        "TRUST_X_FORWARDED_PROTO": "on",
        # The emulator the benchmark and the tests start, on a free port of the loopback.
        "ECL_ALLOWED_ENDPOINTS": "http://127.0.0.1:*",
        "LOG_LEVEL": "WARNING",
        # The benchmark's superuser signs in with a password alone: what it measures is the
        # pages, not the second factor LOCAL_MFA would ask superusers for.
        "LOCAL_MFA": "off",
    }


@contextlib.contextmanager
def portal(
    workdir: Path,
    *,
    workers: int = 2,
    threads: int = 4,
    redis_db: int = BENCH_REDIS_DB,
    cache_url: str | None = None,
    log: Path | None = None,
    database_url: str | None = None,
    settings: dict[str, str] | None = None,
) -> Iterator[Portal]:
    """The portal as `make serve` runs it: collectstatic, migrate, gunicorn workers with threads,
    its database in `workdir` (two portals on one `workdir` share it) unless `database_url`
    names another. Its cache is `cache_url`,
    by default BENCH_CACHE_URL, else Redis database `redis_db` when Redis answers, else local
    memory; in Redis, under a key prefix of this `workdir`'s own: a cold cache, for a fair token
    count, without emptying a database others may be using. gunicorn's and the portal's log go
    to `log` when given (else to this process's stderr). `settings` are more environment
    variables of the portal's."""
    if cache_url is None:
        cache_url = os.environ.get("BENCH_CACHE_URL") or (
            f"redis://127.0.0.1:6379/{redis_db}" if redis_answers() else "locmemcache://bench"
        )
    # Portals on one `workdir` share its database, and so their cache keys (one prefix).
    prefix = f"bench-{hashlib.sha256(str(workdir.resolve()).encode()).hexdigest()[:12]}"
    port = free_port()
    site = Portal(
        f"http://127.0.0.1:{port}",
        {**portal_environment(workdir, cache_url, prefix, database_url), **(settings or {})},
        cache_url,
        prefix,
    )
    site.manage("collectstatic", "--noinput", "--verbosity", "0")
    site.manage("migrate", "--noinput", "--verbosity", "0")
    gunicorn = str(Path(PYTHON).parent / "gunicorn")
    log_stream = log.open("ab") if log is not None else None
    site.process = subprocess.Popen(
        [
            gunicorn,
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=site.environment,
        stderr=log_stream,
    )
    try:
        wait_until_up(site.base_url + "/healthz")
        yield site
    finally:
        site.process.terminate()
        site.process.wait(timeout=30)
        if log_stream is not None:
            log_stream.close()


def peak_rss_mb(pid: int) -> float:
    match = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(match.group(1)) / 1024 if match else 0.0
