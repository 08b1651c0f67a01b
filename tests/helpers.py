"""Helpers the tests import: the project's root, named users' password, tenants, logins, API
tokens and the emulator as a program. Fixtures live in the conftest.py files."""

import contextlib
import json
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from apps_admin.models import Tenant

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery-staple"
ACTORS = ("anonymous", "outsider", "viewer", "editor", "admin", "superuser")
SERVICE_ACCOUNT_KEY = (
    '{"type": "service_account", "client_email": "rec@example.iam.gserviceaccount.com", '
    '"private_key": "-----BEGIN PRIVATE KEY-----\\nTOP-SECRET\\n-----END PRIVATE KEY-----\\n"}'
)


def make_tenant(server, credentials: dict, *, name: str = "Acme", save: bool = True) -> Tenant:
    tenant = Tenant(
        name=name,
        tenant_id=credentials["tenant_id"],
        region="jp1",
        identity_url=server.identity_url,
        api_url=server.api_url,
        api_key=credentials["api_key"],
    )
    tenant.set_api_secret(credentials["api_secret"])
    if save:
        tenant.save()
    return tenant


def login(client, user, *, reauthenticated: bool = False):
    """Log the client in as `user` (None stays anonymous), as after a whole sign-in: password and
    second factor given; optionally inside the re-auth window."""
    from apps_admin.accounts import reauth, second_factor

    if user is None:
        return client
    client.force_login(user)
    session = client.session
    session[second_factor.SESSION_KEY] = second_factor.VERIFIED
    if reauthenticated:
        session[reauth.SESSION_KEY] = time.time()
    session.save()
    return client


def token_for(user, scope: str = "secrets", *, name: str = "test", days: int = 90) -> str:
    """The text of a new API token of `user`; scope `secrets` unless told, so that the token
    allows whatever the person's role allows."""
    from apps_admin.accounts import api_tokens

    return api_tokens.issue(user, name=name, scope=scope, days=days)[1]


def token_client(user, scope: str = "secrets") -> APIClient:
    """An API client authenticated as `user` with X-Auth-Token, as an ECL script would be."""
    client = APIClient()
    client.credentials(HTTP_X_AUTH_TOKEN=token_for(user, scope))
    return client


@contextlib.contextmanager
def own_redis() -> Iterator[str]:
    """A redis-server of the test's own on a free port, without persistence; yields its URL.
    Skips the test where the machine has no redis-server."""
    from bench.stack import free_port, redis_answers

    program = shutil.which("redis-server")
    if program is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [program, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not redis_answers(port=port):
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def content_of(response) -> bytes:
    """A test response's body, streamed (the usage API streams its answer) or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def json_of(response) -> Any:
    return json.loads(content_of(response))


def start_program(*args: str) -> tuple[subprocess.Popen, dict[str, str]]:
    """Start the emulator and read what it prints up to "Press Ctrl-C"; returns KEY=value lines."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ecl_emulator", "--port", "0", "--quiet", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in process.stdout], daemon=True
    ).start()
    printed: dict[str, str] = {}
    while True:
        try:
            line = lines.get(timeout=20)
        except queue.Empty:
            process.kill()
            pytest.fail("the emulator printed nothing for 20 s")
        if line.startswith("Press Ctrl-C"):
            return process, printed
        key, sep, value = line.strip().partition("=")
        if sep and key.isupper():
            printed[key] = value


def app_id_in(location: str) -> str:
    """The app id of an app page's URL (`/tenants/<t>/apps/<id>/?added=1`)."""
    from urllib.parse import urlsplit

    return urlsplit(location).path.rstrip("/").rsplit("/", 1)[1]


def terminate_other_connections() -> int:
    """pg_terminate_backend on every other connection to this test database (the portal's),
    from a connection of its own; how many were terminated. PostgreSQL only."""
    terminated = []

    def run() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                terminated.extend(row[0] for row in cursor.fetchall())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    return sum(terminated)
