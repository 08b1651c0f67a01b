"""The `/_emulator/` control endpoints that tests, benchmarks and demos drive the emulator with."""

from __future__ import annotations

import re
from typing import Any

from .faults import FaultError, parse_latency, parse_rule
from .models import TENANT_STATES
from .reply import HttpError, Reply, json_reply
from .request import Request
from .state import ConflictError, EmulatorState
from .validation import parse_json

MAX_SEEDED_APPS = 200_000
_TENANT_ID = re.compile(r"[0-9a-f]{32}")


def create_tenant(state: EmulatorState, req: Request) -> Reply:
    """`POST /_emulator/tenants`: 201 with the tenant id and ECL API key pair."""
    body = _object(req)
    tenant_id = body.get("tenant_id")
    if tenant_id is not None and not (
        isinstance(tenant_id, str) and _TENANT_ID.fullmatch(tenant_id)
    ):
        raise HttpError(400, "tenant_id must be 32 lowercase hex characters")
    for name in ("api_key", "api_secret"):
        if body.get(name) is not None and not (isinstance(body[name], str) and body[name]):
            raise HttpError(400, f"{name} must be a non-empty string")
    apps = body.get("apps", 0)
    if isinstance(apps, bool) or not isinstance(apps, int) or not 0 <= apps <= MAX_SEEDED_APPS:
        raise HttpError(400, f"apps must be an integer from 0 to {MAX_SEEDED_APPS}")
    tenant_state = _tenant_state(body.get("state", "active"))
    try:
        tenant = state.create_tenant(
            tenant_id=tenant_id,
            api_key=body.get("api_key"),
            api_secret=body.get("api_secret"),
            apps=apps,
            state=tenant_state,
        )
    except ConflictError as exc:
        raise HttpError(409, str(exc)) from None
    return json_reply(
        201,
        {
            "tenant_id": tenant.tenant_id,
            "api_key": tenant.api_key,
            "api_secret": tenant.api_secret,
        },
    )


def update_tenant(state: EmulatorState, req: Request) -> Reply:
    """`PATCH /_emulator/tenants/{tenant_id}` with `{"state": ...}`."""
    new_state = _tenant_state(_object(req).get("state"))
    tenant = state.set_tenant_state(req.params["tenant_id"], new_state)
    if tenant is None:
        raise HttpError(404, "No such tenant")
    return json_reply(200, {"tenant_id": tenant.tenant_id, "state": new_state})


def get_faults(state: EmulatorState, req: Request) -> Reply:
    """`GET /_emulator/faults`: the latency and the rules not used up yet."""
    return json_reply(200, state.faults.snapshot())


def set_faults(state: EmulatorState, req: Request) -> Reply:
    """`POST /_emulator/faults`: replace the rules and/or the latency (absent keys stay)."""
    body = _object(req)
    try:
        latency = parse_latency(body["latency_ms"]) if "latency_ms" in body else None
        rules = None
        if "rules" in body:
            if not isinstance(body["rules"], list):
                raise FaultError("rules must be a list")
            rules = [parse_rule(raw) for raw in body["rules"]]
    except FaultError as exc:
        raise HttpError(400, str(exc)) from None
    state.faults.configure(rules=rules, latency_ms=latency)
    return json_reply(200, state.faults.snapshot())


def clear_faults(state: EmulatorState, req: Request) -> Reply:
    """`DELETE /_emulator/faults`: no latency, no rules."""
    state.faults.clear()
    return json_reply(200, state.faults.snapshot())


def revoke_tokens(state: EmulatorState, req: Request) -> Reply:
    """`POST /_emulator/tokens/revoke`: every token issued so far stops working."""
    return json_reply(200, {"revoked": state.revoke_tokens()})


def get_stats(state: EmulatorState, req: Request) -> Reply:
    """`GET /_emulator/stats`."""
    return json_reply(200, state.stats())


def reset_stats(state: EmulatorState, req: Request) -> Reply:
    """`POST /_emulator/stats/reset`."""
    state.reset_stats()
    return json_reply(200, state.stats())


def reset(state: EmulatorState, req: Request) -> Reply:
    """`POST /_emulator/reset`: back to the start-up state (the demo tenant seeded again)."""
    state.reset()
    return json_reply(200, {"tenants": sorted(state.tenants)})


def get_config(state: EmulatorState, req: Request) -> Reply:
    """`GET /_emulator/config`."""
    return json_reply(200, {"token_ttl": state.token_ttl})


def update_config(state: EmulatorState, req: Request) -> Reply:
    """`PATCH /_emulator/config` with `{"token_ttl": seconds}`; 0 issues expired tokens."""
    body = _object(req)
    unknown = set(body) - {"token_ttl"}
    if unknown:
        raise HttpError(400, f"Unknown settings: {', '.join(sorted(unknown))}")
    if "token_ttl" in body:
        ttl = body["token_ttl"]
        if isinstance(ttl, bool) or not isinstance(ttl, int) or not 0 <= ttl <= 10 * 86400:
            raise HttpError(400, "token_ttl must be an integer number of seconds, 0 to 864000")
        state.set_token_ttl(ttl)
    return json_reply(200, {"token_ttl": state.token_ttl})


def _object(req: Request) -> dict[str, Any]:
    try:
        body = parse_json(req.body)
    except ValueError:
        raise HttpError(400, "The body is not valid JSON") from None
    if not isinstance(body, dict):
        raise HttpError(400, "The body must be a JSON object")
    return body


def _tenant_state(value: Any) -> str:
    if value not in TENANT_STATES:
        raise HttpError(400, f"state must be one of {', '.join(TENANT_STATES)}")
    return value
