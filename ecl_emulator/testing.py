"""Start the emulator inside a test process, and small helpers for tests that talk to it."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import requests

from .control import EmulatorControl
from .server import EmulatorServer
from .state import EmulatorState


class RunningEmulator:
    """An emulator serving from a background thread; `stop()` it (or use it as a context)."""

    def __init__(self, server: EmulatorServer) -> None:
        self.server = server
        self.base_url = server.base_url
        self.identity_url = self.base_url + "/v3"
        self.api_url = self.base_url
        self.control = EmulatorControl(self.base_url)
        self._thread = threading.Thread(
            target=server.serve_forever, name=f"ecl-emulator{self.base_url}", daemon=True
        )
        self._thread.start()

    @property
    def state(self) -> EmulatorState:
        """The emulator's memory, for white-box checks."""
        return self.server.state

    def stop(self) -> None:
        """Stop promptly, even while a `hang` fault holds a request; closes the socket."""
        self.server.stop()
        self._thread.join(timeout=10)

    def __enter__(self) -> RunningEmulator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_emulator(
    *,
    token_ttl: int = 3600,
    latency_ms: int = 0,
    demo: bool = False,
    host: str = "127.0.0.1",
    port: int = 0,
    log_requests: bool = False,
) -> RunningEmulator:
    """Start an emulator on `host:port` (a free port by default) and return it serving."""
    state = EmulatorState(token_ttl=token_ttl, latency_ms=latency_ms, demo=demo)
    server = EmulatorServer(state, host, port, log_requests=log_requests)
    return RunningEmulator(server)


def auth_request_body(tenant_id: str, api_key: str, api_secret: str) -> dict[str, Any]:
    """The Keystone password-method body of ecl-contract.md section 2."""
    return {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "domain": {"id": "default"},
                        "name": api_key,
                        "password": api_secret,
                    }
                },
            },
            "scope": {"project": {"id": tenant_id}},
        }
    }


def issue_token(identity_url: str, tenant_id: str, api_key: str, api_secret: str) -> str:
    """A token for the tenant (raises on anything but 201)."""
    response = requests.post(
        identity_url.rstrip("/") + "/auth/tokens",
        json=auth_request_body(tenant_id, api_key, api_secret),
        timeout=30,
        allow_redirects=False,
    )
    if response.status_code != 201:
        raise RuntimeError(f"token request answered {response.status_code}: {response.text}")
    return response.headers["X-Subject-Token"]


@dataclass
class TenantSession:
    """A tenant at the emulator, its ECL API key pair and a token, with a raw apps API caller."""

    api_url: str
    identity_url: str
    tenant_id: str
    api_key: str
    api_secret: str
    token: str

    @classmethod
    def create(cls, control: EmulatorControl, **tenant_options: Any) -> TenantSession:
        """Create a tenant (options as `EmulatorControl.create_tenant`) and get it a token."""
        credentials = control.create_tenant(**tenant_options)
        token = issue_token(
            control.identity_url,
            credentials["tenant_id"],
            credentials["api_key"],
            credentials["api_secret"],
        )
        return cls(control.api_url, control.identity_url, token=token, **credentials)

    def apps_url(self, suffix: str = "") -> str:
        """`{api_url}/tenants/{tenant_id}/apps` followed by `suffix` (e.g. `/1000/secretkey`)."""
        return f"{self.api_url}/tenants/{self.tenant_id}/apps{suffix}"

    def call(
        self, method: str, suffix: str = "", *, token: str | None = None, **kwargs: Any
    ) -> requests.Response:
        """Call the apps API with this session's token (or `token`), no redirects, a timeout."""
        headers = {"X-Auth-Token": self.token if token is None else token}
        headers.update(kwargs.pop("headers", {}))
        timeout = kwargs.pop("timeout", 30)
        return requests.request(
            method,
            self.apps_url(suffix),
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
            **kwargs,
        )
