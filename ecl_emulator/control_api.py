"""The `/_emulator/` control endpoints that tests, benchmarks and demos drive the emulator with."""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

from .faults import FaultError, parse_latency, parse_rule
from .models import TENANT_STATES, Planted, Usage
from .reply import HttpError, Reply, json_reply
from .request import Request
from .state import KEEP, ConflictError, EmulatorState
from .timefmt import format_jst, parse_instant
from .validation import parse_json
from .variants import NAMES as VARIANT_NAMES
from .variants import SettingError

MAX_SEEDED_APPS = 200_000
_TENANT_ID = re.compile(r"[0-9a-f]{32}")
_PLANT_STRINGS = ("description", "status", "recording_bucket_name", "recording_service_account_key")
_PLANT_LISTS = ("domains", "permissions")
_SETTINGS = {"token_ttl", "now"} | VARIANT_NAMES
_USAGE_MONTHS = ("previous", "current")
_NOW_MESSAGE = (
    "now must be null or an ISO 8601 time with an offset, from 1970-02 to 9998-11, "
    'e.g. "2026-12-15T10:00:00+09:00"'
)


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


def plant_app(state: EmulatorState, req: Request) -> Reply:
    """`POST /_emulator/tenants/{tenant_id}/apps`: add an app with values the apps API would
    refuse, and oddities in its JSON; 201 with the app's JSON as it will be sent, 404 for an
    unknown tenant.

    Optional keys, set without the apps API's checks: `description`, `status`,
    `recording_bucket_name`, `recording_service_account_key` (strings: a `"frozen"` status, a
    description over 128 characters...), `domains` and `permissions` (lists of strings:
    `"example.com:8080"`, `"*.example.com"`, a permission outside the five known). Then, on the
    app's JSON in lists, GET, PUT and create answers:
    - `raw`: an object; each key's value replaces (or adds) that key exactly as given, any JSON
      value (`{"created_at": "2023-01-01T00:00:00"}`, `{"usage_summary": []}`, `{"id": "../x"}`,
      `{"status": null}`). A list without `expandApps` only shows `id`, `apikey` and
      `description`, so only those are replaced there.
    - `omit`: a list of keys left out (`["status"]`).
    The app takes the tenant's next numeric id and stays reachable at `/tenants/{t}/apps/{id}`
    whatever `raw` shows. A successful PUT drops what was planted for the keys its fields write
    (`description`, `domains`, `permissions`, `status`; `recording_bucket_name` and
    `recording_service_account_key` write `recording`); the other keys keep their oddity.

    `usage`: `{"previous": {"signaling": n, "turn": x, "sfu": y}, "current": {...}}` (a missing
    month or metric is 0) fixes the app's `usage_summary` values: whatever the clock, the
    previous and the current month show these instead of usage that grows with the clock.
    """
    body = _object(req)
    unknown = set(body) - {*_PLANT_STRINGS, *_PLANT_LISTS, "raw", "omit", "usage"}
    if unknown:
        raise HttpError(400, f"Unknown keys: {', '.join(sorted(unknown))}")
    fields = {name: _string(body, name) for name in _PLANT_STRINGS if name in body}
    fields.update({name: _strings(body, name) for name in _PLANT_LISTS if name in body})
    raw = body.get("raw", {})
    if not isinstance(raw, dict):
        raise HttpError(400, "raw must be a JSON object")
    planted = Planted(raw=raw, omit=_strings(body, "omit") if "omit" in body else [])
    fixed_usage = _fixed_usage(body["usage"]) if "usage" in body else None
    app_json = state.plant_app(req.params["tenant_id"], fields, planted, fixed_usage)
    if app_json is None:
        raise HttpError(404, "No such tenant")
    return Reply(201, app_json.encode())


def get_requests(state: EmulatorState, req: Request) -> Reply:
    """`GET /_emulator/requests`: `{"requests": [...]}`, the last 200 requests that reached
    `/v3/auth/tokens` or the apps API (faulted ones too), oldest first.

    Each is `{"method", "path", "query", "body"}`: `query` is the raw query string (`""` when
    none); `body` is the parsed JSON, null when empty, or the text when not JSON. In identity
    bodies every `password` value is `"***"` (a non-JSON identity body is `"***"` whole).
    """
    return json_reply(200, {"requests": state.journal.entries()})


def clear_requests(state: EmulatorState, req: Request) -> Reply:
    """`DELETE /_emulator/requests`: forget them; answers `{"requests": []}`."""
    state.journal.clear()
    return json_reply(200, {"requests": []})


def get_faults(state: EmulatorState, req: Request) -> Reply:
    """`GET /_emulator/faults`: the latency and the rules not used up yet."""
    return json_reply(200, state.faults.snapshot())


def set_faults(state: EmulatorState, req: Request) -> Reply:
    """`POST /_emulator/faults`: replace the rules and/or the latency (absent keys stay).

    `{"latency_ms": 0..600000, "rules": [rule, ...]}`. A rule fails the next `count` (1)
    requests of `method` (`GET`, `POST`, `PUT`, `DELETE` or `*`, the default) whose path
    matches the regex `path` (searched, no query string), `when` (`before`, the default, or
    `after`) the handler runs, with a `probability` (0 < p <= 1, default 1), by exactly one of:
    - `status`: that HTTP status with an `Injected fault` error (on apps API paths written as
      the `error_format` setting says);
    - `action`: `reset` (the connection is reset), `hang` (no answer until the client gives up
      or the emulator stops), `malformed` (a 200 whose body is not JSON),
      `trickle` (the normal answer, the handler having run whatever `when` says: status and
      headers at once, with the whole Content-Length, then the body `chunk_bytes` (1, up to
      65536) at a time every `interval_ms` (1000, 1 to 60000)), or
      `oversized` (a 200 valid JSON list of expanded apps of at least `size_bytes` bytes,
      default 100000000, 1000 to 2000000000, generated while it is written).
    Faults apply to identity and apps API routes, never to the controls.
    """
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
    """`POST /_emulator/reset`: back to the start-up state (the demo tenant seeded again), with
    no faults, an empty request journal and every setting at its default."""
    state.reset()
    return json_reply(200, {"tenants": sorted(state.tenants)})


def get_config(state: EmulatorState, req: Request) -> Reply:
    """`GET /_emulator/config[?all]`: `token_ttl`, `now` when set, and every setting changed
    from its default; with `?all`, every setting (see `update_config`), `now` still only when
    set."""
    return json_reply(200, _config(state, req))


def update_config(state: EmulatorState, req: Request) -> Reply:
    """`PATCH /_emulator/config` with any of these settings (all or nothing; an unknown key or a
    bad value is a 400 with a message); answers like `GET`. Defaults are the contract's.
    - `token_ttl`: seconds, 0 to 864000 (3600); applies to tokens issued afterwards, 0 issues
      expired tokens.
    - `now`: an ISO 8601 time with an offset (`"2026-12-15T10:00:00+09:00"`, `"...Z"`), the
      emulator's now from then on, fixed (it does not run on) until changed; `null` returns to
      the real clock (the default). Shown in Japan time, to the second. It sets the months of
      `usage_summary` and how far usage is counted, and the `created_at` and `updated_at` of
      apps created and updated; tokens still expire by the real clock.
    - `create_status`: 200 (default) or 201, the status of a successful create (same body).
    - `delete_answer`: `"{}"` (default: 200 with `{}`), `"empty"` (200, Content-Length 0) or
      `"204"` (204 No Content, no body).
    - `error_format`: how every error of the apps API routes is written (the apps API's own
      errors and injected `status` faults on its paths; identity errors keep Keystone's shape):
      `"contract"` (default, `{"error": {"code": n, "message": text}}`), `"flat"`
      (`{"code": n, "message": text}`), `"error_string"` (`{"error": text}`), `"detail"`
      (`{"detail": text}`), `"errors"` (`{"errors": [{"message": text}]}`), `"text"` (the text
      alone, text/plain; charset=utf-8), `"html"` (a gateway's page, text/html; charset=utf-8:
      `<html><head><title>{code} {reason}</title></head><body><h1>{code} {reason}</h1>
      <p>{text}</p></body></html>`, no line break) or `"empty"` (no body, Content-Length 0).
    - `expired_token`: `{"status": 401 or 403, "message": text}` (default `{"status": 403,
      "message": "Not authenticated"}`), how the apps API refuses a missing, malformed,
      revoked, expired or wrong-tenant token.
    - `empty_list`: `"[]"` (default) or `"null"`, how the list of a tenant without apps is
      written.
    - `bom`: `true` starts every body of the identity and apps API routes (answers and errors)
      with a UTF-8 byte order mark, as some gateways and Windows tools write it (`false`).
    - `odd_value`: `{"app_id": 1003, "field": "description", "value": "lone_surrogate"}` writes
      one value that a strict JSON reader refuses into that app's JSON in every answer holding
      it (lists, GET, PUT), in every tenant or only `"tenant_id"`'s: `"lone_surrogate"` (the
      field's text followed by the escape `\\ud800`), `"nan"` (a bare `NaN`), `"infinity"`
      (`Infinity`) or `"deep"` (arrays nested `"depth"` deep, 1200 by default, 1 to 100000).
      `field` is a key (added when the app has none: an unknown field) or a dotted path in
      which `*` stands for every key of an object or every item of a list
      (`"usage_summary.*.turn"`, `"domains.*"`); a number's digits are kept before a lone
      surrogate. `null` (the default) writes every app as it is.
    - `keystone_answer`: how Keystone answers a good token request: `"contract"` (default: 201
      with `X-Subject-Token`), `"300"` (300 Multiple Choices with the versions document, as an
      identity URL set to the service's root gets), `"no_token_header"` (201 without
      `X-Subject-Token`) or `"unreadable_expiry"` (201 whose `expires_at` is no time).
    """
    body = _object(req)
    unknown = set(body) - _SETTINGS
    if unknown:
        raise HttpError(400, f"Unknown settings: {', '.join(sorted(unknown))}")
    ttl = body.get("token_ttl", state.token_ttl)
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not 0 <= ttl <= 10 * 86400:
        raise HttpError(400, "token_ttl must be an integer number of seconds, 0 to 864000")
    now = _now(body["now"]) if "now" in body else KEEP
    changes = {name: value for name, value in body.items() if name in VARIANT_NAMES}
    try:
        variants = state.variants.updated(changes)
    except SettingError as exc:
        raise HttpError(400, str(exc)) from None
    state.configure(token_ttl=ttl, variants=variants, now=now)
    return json_reply(200, _config(state, req))


def _config(state: EmulatorState, req: Request) -> dict[str, Any]:
    show_all = req.query_value("all") is not None
    shown: dict[str, Any] = {"token_ttl": state.token_ttl}
    fixed = state.clock.fixed
    if fixed is not None:
        shown["now"] = format_jst(fixed)
    return {**shown, **state.variants.as_dict(show_all=show_all)}


def _now(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise HttpError(400, _NOW_MESSAGE)
    try:
        return parse_instant(value)
    except ValueError:
        raise HttpError(400, _NOW_MESSAGE) from None


def _fixed_usage(value: Any) -> tuple[Usage, Usage]:
    message = (
        'usage must be {"previous": {"signaling": n, "turn": x, "sfu": y}, "current": {...}} '
        "with numbers of at least 0 (signaling an integer)"
    )
    if not isinstance(value, dict) or not set(value) <= set(_USAGE_MONTHS):
        raise HttpError(400, message)
    months = []
    for month in _USAGE_MONTHS:
        counts = value.get(month, {})
        if not isinstance(counts, dict) or not set(counts) <= {"signaling", "turn", "sfu"}:
            raise HttpError(400, message)
        numbers = [counts.get(name, 0) for name in ("signaling", "turn", "sfu")]
        if not (isinstance(numbers[0], int) and all(map(_amount, numbers))):
            raise HttpError(400, message)
        months.append(Usage(*numbers))
    return months[0], months[1]


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


def _string(body: dict[str, Any], name: str) -> str:
    if not isinstance(body[name], str):
        raise HttpError(400, f"{name} must be a string")
    return body[name]


def _strings(body: dict[str, Any], name: str) -> list[str]:
    value = body[name]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise HttpError(400, f"{name} must be a list of strings")
    return list(value)


def _amount(value: Any) -> bool:
    """A finite number of at least 0 (JSON's NaN and Infinity are not)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return value >= 0 and (isinstance(value, int) or math.isfinite(value))
