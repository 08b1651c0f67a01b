"""Start, stop and steer the test OpenID Connect provider (tests/oidc/provider/server.mjs, built
on panva's oidc-provider) from Python tests."""

import json
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any

import requests

PROVIDER_DIR = Path(__file__).resolve().parent / "provider"
SERVER = PROVIDER_DIR / "server.mjs"
START_TIMEOUT = 15.0
MIN_NODE = (20, 19)


def provider_available() -> str | None:
    """Why the provider cannot run here, or None when it can."""
    node = shutil.which("node")
    if node is None:
        return "the OIDC provider needs Node.js 20.19 or newer: no `node` on the PATH"
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False)
    try:
        major, minor = (int(part) for part in version.stdout.strip().lstrip("v").split(".")[:2])
    except ValueError:
        return f"cannot tell the version of {node}: {version.stdout or version.stderr}"
    if (major, minor) < MIN_NODE:
        return f"the OIDC provider needs Node.js 20.19 or newer, found {version.stdout.strip()}"
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        return "the OIDC provider's packages are missing: run `npm ci --prefix tests/oidc/provider`"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OidcProvider:
    """One provider process: `start(config)`, then `issuer`, `update_user()`, `reset()`, `stop()`.

    The config is the JSON that server.mjs documents: clients, users, optional id_token_ttl.
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._dir: Path | None = None
        self._port: int | None = None

    @property
    def issuer(self) -> str:
        if self._port is None:
            raise RuntimeError("the OIDC provider is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def start(self, config: dict[str, Any]) -> None:
        """Start node on a free port with `config`; return once discovery answers."""
        if self._process is not None:
            raise RuntimeError("the OIDC provider is already started")
        self._dir = Path(tempfile.mkdtemp(prefix="oidc-provider-"))
        config_file = self._dir / "config.json"
        config_file.write_text(json.dumps(config))
        config_file.chmod(0o600)
        for _attempt in range(3):  # another process may take the port between pick and bind
            self._port = _free_port()
            log = (self._dir / "stderr.log").open("wb")
            self._process = subprocess.Popen(
                [
                    *("node", str(SERVER), "--port", str(self._port)),
                    *("--config", str(config_file), "--exit-with-stdin"),
                ],
                cwd=PROVIDER_DIR,
                stdin=subprocess.PIPE,  # node exits when it closes, even if we are killed
                stdout=subprocess.PIPE,  # "ready", once listening
                stderr=log,
            )
            log.close()
            if self._wait_until_ready():
                return
            if "EADDRINUSE" not in self.logs():
                break
        logs = self.logs()
        self.stop()
        raise RuntimeError(f"the OIDC provider did not start; node said:\n{logs}")

    def _wait_until_ready(self) -> bool:
        """Wait for node's one line on stdout, "ready", which it writes once it listens."""
        assert self._process is not None and self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], START_TIMEOUT)
        if ready and self._process.stdout.readline().strip() == b"ready":
            return True
        self._process.kill()
        self._process.communicate()
        return False

    def stop(self) -> None:
        """Stop node (SIGTERM, then SIGKILL after 5 s) and remove the config."""
        if self._process is not None:
            if self._process.poll() is None:
                self._process.send_signal(signal.SIGTERM)
            try:
                self._process.communicate(timeout=5)  # also closes its standard input
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.communicate()
            self._process = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        self._port = None

    def logs(self) -> str:
        """What node has written to stderr so far."""
        if self._dir is None or not (self._dir / "stderr.log").exists():
            return ""
        return (self._dir / "stderr.log").read_text(errors="replace")

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = requests.request(method, f"{self.issuer}{path}", json=body, timeout=5)
        if not response.ok:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json()

    def move_clock(self, seconds: float) -> None:
        """Set the provider's clock `seconds` ahead of the real one (reset() sets it back)."""
        self._call("PUT", "/_test/clock", {"offset": seconds})

    def update_user(self, username: str, **fields: Any) -> dict[str, Any]:
        """Change (or, given sub and password, create) a user; returns it without its password."""
        return self._call("PUT", f"/_test/users/{urllib.parse.quote(username, safe='')}", fields)

    def reset(self) -> None:
        """Restore the config's users and end every session, grant, code and token."""
        self._call("POST", "/_test/reset", {})

    def health(self) -> dict[str, Any]:
        """The provider's own view: {"status": "ok", "issuer": ...}."""
        return self._call("GET", "/_test/health")

    def __enter__(self) -> "OidcProvider":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
