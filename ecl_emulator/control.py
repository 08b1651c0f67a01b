"""A small `requests` client of the emulator's `/_emulator/` control endpoints."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any, Literal

import requests

_TIMEOUT = 30.0


class _Unset(Enum):
    UNSET = "unset"


UNSET = _Unset.UNSET  # `set_config(now=UNSET)`, the default: leave the clock as it is


class EmulatorControlError(RuntimeError):
    """A control endpoint answered an unexpected status."""

    def __init__(self, method: str, url: str, status: int, body: str) -> None:
        super().__init__(f"{method} {url} answered {status}: {body[:500]}")
        self.status = status
        self.body = body


class EmulatorControl:
    """Drive a running emulator: tenants, planted apps, faults, tokens, statistics, the request
    journal, reset and settings."""

    def __init__(self, base_url: str, *, timeout: float = _TIMEOUT) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    @property
    def identity_url(self) -> str:
        """The Keystone v3 URL (`base_url + "/v3"`)."""
        return self.base_url + "/v3"

    @property
    def api_url(self) -> str:
        """The apps API URL (the same as `base_url`)."""
        return self.base_url

    def create_tenant(
        self,
        tenant_id: str | None = None,
        api_key: str | None = None,
        api_secret: str | None = None,
        apps: int = 0,
        state: str = "active",
    ) -> dict[str, Any]:
        """Create a tenant seeded with `apps` apps; returns `{tenant_id, api_key, api_secret}`."""
        body: dict[str, Any] = {"apps": apps, "state": state}
        for name, value in (
            ("tenant_id", tenant_id),
            ("api_key", api_key),
            ("api_secret", api_secret),
        ):
            if value is not None:
                body[name] = value
        return self._call("POST", "/tenants", body, expect=201)

    def set_tenant_state(self, tenant_id: str, state: str) -> dict[str, Any]:
        """Set a tenant `active`, `suspended` or `deleted`."""
        return self._call("PATCH", f"/tenants/{tenant_id}", {"state": state})

    def set_faults(
        self, rules: list[dict[str, Any]] | None = None, latency_ms: int | None = None
    ) -> dict[str, Any]:
        """Replace the fault rules and/or the added latency; what is None stays as it is."""
        body: dict[str, Any] = {}
        if rules is not None:
            body["rules"] = rules
        if latency_ms is not None:
            body["latency_ms"] = latency_ms
        return self._call("POST", "/faults", body)

    def faults(self) -> dict[str, Any]:
        """The latency and the rules not used up yet."""
        return self._call("GET", "/faults")

    def clear_faults(self) -> dict[str, Any]:
        """No latency, no rules."""
        return self._call("DELETE", "/faults")

    def revoke_tokens(self) -> int:
        """Make every token issued so far invalid; returns how many there were."""
        return self._call("POST", "/tokens/revoke")["revoked"]

    def stats(self) -> dict[str, Any]:
        """`{"auth_calls": N, "api_calls": N, "calls": {"<METHOD> <route>": N}}`."""
        return self._call("GET", "/stats")

    def reset_stats(self) -> dict[str, Any]:
        """Zero the counters."""
        return self._call("POST", "/stats/reset")

    def reset(self) -> dict[str, Any]:
        """Forget every tenant, token, fault, counter, journaled request and setting, back on
        the real clock (the demo tenant comes back)."""
        return self._call("POST", "/reset")

    def set_config(
        self,
        token_ttl: int | None = None,
        *,
        create_status: int | None = None,
        delete_answer: str | None = None,
        error_format: str | None = None,
        expired_token: dict[str, Any] | None = None,
        empty_list: str | None = None,
        bom: bool | None = None,
        odd_value: dict[str, Any] | Literal[_Unset.UNSET] | None = UNSET,
        keystone_answer: str | None = None,
        now: datetime | str | Literal[_Unset.UNSET] | None = UNSET,
    ) -> dict[str, Any]:
        """Change the settings given (None leaves one as it is, but for `now`); see
        `PATCH /_emulator/config`.

        `token_ttl` applies to tokens issued afterwards (0: born expired); `create_status` 200
        or 201; `delete_answer` "{}", "empty" or "204"; `error_format` "contract", "flat",
        "error_string", "detail", "errors", "text", "html" or "empty"; `expired_token`
        `{"status": 401 or 403, "message": text}`; `empty_list` "[]" or "null"; `bom` True
        starts identity and apps API bodies with a byte order mark; `odd_value` `{"app_id",
        "field", "value", ...}` plants a lone surrogate, NaN, Infinity or deep nesting in one
        app (None: none; not given: as it is); `keystone_answer` "contract", "300",
        "no_token_header" or "unreadable_expiry"; `now` an aware datetime or an ISO 8601 text
        with an offset fixes the emulator's clock there, None returns it to the real clock (not
        given: the clock stays as it is).
        """
        settings = {
            "token_ttl": token_ttl,
            "create_status": create_status,
            "delete_answer": delete_answer,
            "error_format": error_format,
            "expired_token": expired_token,
            "empty_list": empty_list,
            "bom": bom,
            "keystone_answer": keystone_answer,
        }
        body = {name: value for name, value in settings.items() if value is not None}
        if odd_value is not UNSET:
            body["odd_value"] = odd_value
        if now is not UNSET:
            body["now"] = now.isoformat() if isinstance(now, datetime) else now
        return self._call("PATCH", "/config", body)

    def config(self, *, show_all: bool = False) -> dict[str, Any]:
        """The current settings: `token_ttl`, `now` when set and those changed, or every one
        with `show_all`."""
        return self._call("GET", "/config?all" if show_all else "/config")

    def plant_app(self, tenant_id: str, **fields: Any) -> dict[str, Any]:
        """Add an app with unchecked values and JSON oddities; returns its JSON as it will be sent.

        Keywords: `description`, `domains`, `permissions`, `status`, `recording_bucket_name`,
        `recording_service_account_key`, `raw` (key -> JSON value shown instead), `omit`
        (keys left out) and `usage` (`{"previous": {...}, "current": {...}}`, fixed usage
        values); see `POST /_emulator/tenants/{tenant_id}/apps`.
        """
        return self._call("POST", f"/tenants/{tenant_id}/apps", fields, expect=201)

    def requests(self) -> list[dict[str, Any]]:
        """The last 200 identity and apps API requests, oldest first: `{"method", "path",
        "query", "body"}` each, passwords masked."""
        return self._call("GET", "/requests")["requests"]

    def clear_requests(self) -> None:
        """Forget the requests journaled so far."""
        self._call("DELETE", "/requests")

    def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None, expect: int = 200
    ) -> Any:
        url = f"{self.base_url}/_emulator{path}"
        response = requests.request(
            method, url, json=body, timeout=self.timeout, allow_redirects=False
        )
        if response.status_code != expect:
            raise EmulatorControlError(method, url, response.status_code, response.text)
        return response.json()
