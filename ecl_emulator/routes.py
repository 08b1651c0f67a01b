"""The route table: path templates, the handler of each method, and the kind of each route."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from . import apps_api, control_api, identity
from .reply import Reply
from .request import Request
from .state import EmulatorState

Handler = Callable[[EmulatorState, Request], Reply]

# Kinds: "auth" and "api" are counted in stats (auth_calls / api_calls) and subject to faults;
# "identity" (version discovery) is subject to faults and listed in stats' calls only;
# "control" is neither counted nor faulted.
AUTH, API, IDENTITY, CONTROL = "auth", "api", "identity", "control"


@dataclass
class Route:
    """One path template (e.g. `/tenants/{tenant_id}/apps`) and its handlers by method."""

    template: str
    kind: str
    handlers: dict[str, Handler]
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.template))
        self.pattern = re.compile(regex)


ROUTES = [
    Route("/", IDENTITY, {"GET": identity.versions_document}),
    Route("/v3", IDENTITY, {"GET": identity.version_document}),
    Route("/v3/", IDENTITY, {"GET": identity.version_document}),
    Route("/v3/auth/tokens", AUTH, {"POST": identity.issue_token}),
    Route(
        "/tenants/{tenant_id}/apps",
        API,
        {
            "GET": apps_api.list_apps,
            "POST": apps_api.create_app,
        },
    ),
    Route(
        "/tenants/{tenant_id}/apps/{app_id}",
        API,
        {
            "GET": apps_api.get_app,
            "PUT": apps_api.update_app,
            "DELETE": apps_api.delete_app,
        },
    ),
    Route(
        "/tenants/{tenant_id}/apps/{app_id}/secretkey",
        API,
        {
            "GET": apps_api.get_secret_key,
            "POST": apps_api.renew_secret_key,
        },
    ),
    Route("/_emulator/tenants", CONTROL, {"POST": control_api.create_tenant}),
    Route("/_emulator/tenants/{tenant_id}", CONTROL, {"PATCH": control_api.update_tenant}),
    Route("/_emulator/tenants/{tenant_id}/apps", CONTROL, {"POST": control_api.plant_app}),
    Route(
        "/_emulator/requests",
        CONTROL,
        {"GET": control_api.get_requests, "DELETE": control_api.clear_requests},
    ),
    Route(
        "/_emulator/faults",
        CONTROL,
        {
            "GET": control_api.get_faults,
            "POST": control_api.set_faults,
            "DELETE": control_api.clear_faults,
        },
    ),
    Route("/_emulator/tokens/revoke", CONTROL, {"POST": control_api.revoke_tokens}),
    Route("/_emulator/stats", CONTROL, {"GET": control_api.get_stats}),
    Route("/_emulator/stats/reset", CONTROL, {"POST": control_api.reset_stats}),
    Route("/_emulator/reset", CONTROL, {"POST": control_api.reset}),
    Route(
        "/_emulator/config",
        CONTROL,
        {
            "GET": control_api.get_config,
            "PATCH": control_api.update_config,
        },
    ),
]


def resolve(path: str) -> tuple[Route, dict[str, str]] | None:
    """The route whose template matches the whole path, with the path's parameters."""
    for route in ROUTES:
        match = route.pattern.fullmatch(path)
        if match:
            return route, match.groupdict()
    return None


def stats_key(method: str, route: Route) -> str:
    """The `calls` key of stats: method and literal template, e.g. `GET /tenants/{tenant_id}/apps`.

    `/v3/` is counted as `/v3`.
    """
    return f"{method} {route.template.rstrip('/') or '/'}"
