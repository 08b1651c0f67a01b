"""The seven operations of the SkyWay apps API, with the contract's checks in its order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from .models import App, Tenant, UsageStamp
from .reply import (
    APP_DOES_NOT_EXIST,
    TENANT_DELETED,
    TENANT_SUSPENDED,
    HttpError,
    Reply,
    json_reply,
)
from .request import Request
from .state import EmulatorState, apply_fields, new_secret_key
from .timefmt import format_jst
from .validation import parse_app_fields

_TENANT_REFUSALS = {"suspended": TENANT_SUSPENDED, "deleted": TENANT_DELETED}
_DELETE_ANSWERS: dict[str, Callable[[], Reply]] = {
    "{}": lambda: json_reply(200, {}),
    "empty": lambda: Reply(200, b""),
    "204": lambda: Reply(204, b""),
}


def list_apps(state: EmulatorState, req: Request) -> Reply:
    """`GET /tenants/{tenant_id}/apps[?expandApps]`: a join of each app's cached JSON.

    A tenant without apps gets `[]`, or `null` with the `empty_list` setting.
    """
    expand = _expand_apps(req.query_value("expandApps"))
    stamp = state.usage_stamp()
    variants = state.variants
    with state.lock:
        tenant = _tenant(state, req)
        if expand:
            fragments = [app.full_json(stamp) for app in tenant.apps.values()]
        else:
            fragments = [app.short_json() for app in tenant.apps.values()]
        if variants.odd_value is not None:
            fragments = [
                variants.app_json(tenant.tenant_id, app.id, fragment, add=expand)
                for app, fragment in zip(tenant.apps.values(), fragments, strict=True)
            ]
    if not fragments and state.variants.empty_list == "null":
        return Reply(200, b"null")
    return Reply(200, ("[" + ",".join(fragments) + "]").encode())


def create_app(state: EmulatorState, req: Request) -> Reply:
    """`POST /tenants/{tenant_id}/apps`: 200 (not 201) with the new app, active by default.

    The `create_status` setting can make it 201.
    """
    fields, error = _checked_fields(req)
    with state.lock:
        tenant = _tenant(state, req)
        if error is not None:
            raise error
        app = state.new_app(tenant, fields)
        return _app_reply(state, tenant, app, state.usage_stamp(), state.variants.create_status)


def get_app(state: EmulatorState, req: Request) -> Reply:
    """`GET /tenants/{tenant_id}/apps/{app_id}`."""
    with state.lock:
        tenant = _tenant(state, req)
        return _app_reply(state, tenant, _app(tenant, req), state.usage_stamp())


def update_app(state: EmulatorState, req: Request) -> Reply:
    """`PUT /tenants/{tenant_id}/apps/{app_id}`: only the fields present change, at the
    emulator's now (new permissions and status count for usage from then on)."""
    fields, error = _checked_fields(req)
    with state.lock:
        tenant = _tenant(state, req)
        app = _app(tenant, req)
        if error is not None:
            raise error
        moment = state.clock.now()
        apply_fields(app, fields)
        if "permissions" in fields or "status" in fields:
            app.settings_changed(int(moment.timestamp()))
        app.unplant(fields)
        app.updated_at = _later_stamp(app.updated_at, moment)
        return _app_reply(state, tenant, app, UsageStamp(moment))


def delete_app(state: EmulatorState, req: Request) -> Reply:
    """`DELETE /tenants/{tenant_id}/apps/{app_id}`: 200 with `{}`, or as `delete_answer` says."""
    with state.lock:
        tenant = _tenant(state, req)
        del tenant.apps[_app(tenant, req).id]
    return _DELETE_ANSWERS[state.variants.delete_answer]()


def get_secret_key(state: EmulatorState, req: Request) -> Reply:
    """`GET .../secretkey`: `{"secretkey": ...}`."""
    with state.lock:
        secret = _app(_tenant(state, req), req).secretkey
    return json_reply(200, {"secretkey": secret})


def renew_secret_key(state: EmulatorState, req: Request) -> Reply:
    """`POST .../secretkey`: a new secret key replaces the old one and is returned."""
    with state.lock:
        app = _app(_tenant(state, req), req)
        app.secretkey = new_secret_key()
        secret = app.secretkey
    return json_reply(200, {"secretkey": secret})


def _expand_apps(value: str | None) -> bool:
    """Contract rule: true when present, bare or with any value other than `false`."""
    return value is not None and value != "false"


def _tenant(state: EmulatorState, req: Request) -> Tenant:
    """The path's tenant after the token and tenant state checks (call with the lock held)."""
    tenant_id = req.params["tenant_id"]
    tenant = state.tenants.get(tenant_id)
    if tenant is None or not state.token_valid_for(req.header("X-Auth-Token"), tenant_id):
        refusal = state.variants.expired_token  # 403 Not authenticated unless configured
        raise HttpError(refusal.status, refusal.message)
    refusal = _TENANT_REFUSALS.get(tenant.state)
    if refusal is not None:
        raise HttpError(403, refusal)
    return tenant


def _app(tenant: Tenant, req: Request) -> App:
    raw_id = req.params["app_id"]
    numeric = raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= 18
    app = tenant.apps.get(int(raw_id)) if numeric else None
    if app is None:
        raise HttpError(403, APP_DOES_NOT_EXIST)
    return app


def _checked_fields(req: Request) -> tuple[dict[str, Any], HttpError | None]:
    """Body checks run before taking the lock; their error is raised after the 403 checks."""
    try:
        return parse_app_fields(req.body), None
    except HttpError as error:
        return {}, error


def _app_reply(
    state: EmulatorState, tenant: Tenant, app: App, stamp: UsageStamp, status: int = 200
) -> Reply:
    text = state.variants.app_json(tenant.tenant_id, app.id, app.full_json(stamp))
    return Reply(status, text.encode())


def _later_stamp(previous: str, now: datetime) -> str:
    """`now`, or one second past `previous` if that is not earlier, so every PUT moves it
    (with a fixed `now`, successive PUTs read now, now + 1 s, now + 2 s...)."""
    stamp = format_jst(now)
    if stamp <= previous:  # same format and offset: text order is time order
        stamp = format_jst(datetime.fromisoformat(previous) + timedelta(seconds=1))
    return stamp
