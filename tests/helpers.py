"""Helpers the tests import: the project's root, named users' password, tenants, logins, API
tokens and the emulator as a program. Fixtures live in the conftest.py files."""

import contextlib
import json
import os
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


def missing_tool(reason: str) -> None:
    """A tool the test needs is not on this machine: skip loudly, or fail where every test must
    run (REQUIRE_E2E=1, as in CI), so that a skip is never counted as a pass there."""
    if os.environ.get("REQUIRE_E2E") == "1":
        pytest.fail(f"REQUIRE_E2E=1 but {reason}")
    pytest.skip(reason)


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


def redis_server_program() -> str:
    """The path of redis-server; without it the test is skipped loudly, or fails under
    REQUIRE_E2E=1 (missing_tool)."""
    program = shutil.which("redis-server")
    if program is None:
        missing_tool("redis-server is not installed")
    assert program is not None  # missing_tool() skipped or failed
    return program


@contextlib.contextmanager
def own_redis_server(password: str = "") -> Iterator[Any]:
    """A running redis-server of the test's own (bench.stack.RedisServer): `.url`, `.stop()`,
    `.start()` again on the same port."""
    from bench.stack import RedisServer

    server = RedisServer(redis_server_program(), password)
    try:
        server.start()
    except RuntimeError as error:
        pytest.fail(str(error))
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def own_redis() -> Iterator[str]:
    """A redis-server of the test's own on a free port, without persistence; yields its URL.
    Skips the test where the machine has no redis-server (fails under REQUIRE_E2E=1)."""
    with own_redis_server() as server:
        yield server.url


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
