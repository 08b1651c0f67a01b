"""The Keystone v3 part: version discovery and password authentication scoped to a tenant."""

from __future__ import annotations

import hashlib
from typing import Any

from .reply import KEYSTONE_UNAUTHORIZED, HttpError, Reply, json_reply
from .request import Request
from .state import EmulatorState, TokenRecord
from .timefmt import format_keystone
from .validation import parse_json

REGION = "jp1"
_VERSION_UPDATED = "2020-04-07T00:00:00Z"


def version_document(state: EmulatorState, req: Request) -> Reply:
    """`GET /v3`: the version document keystoneauth1 reads when it discovers the service."""
    return json_reply(200, {"version": _v3(req)})


def versions_document(state: EmulatorState, req: Request) -> Reply:
    """`GET /`: Keystone's 300 list of versions, so discovery from the bare URL works too.

    An `emulator` member also tells a human where the two services and the controls are.
    """
    body = {
        "versions": {"values": [_v3(req)]},
        "emulator": {
            "identity_url": req.identity_url,
            "api_url": req.base_url,
            "controls": req.base_url + "/_emulator/",
        },
    }
    return json_reply(300, body)


def _v3(req: Request) -> dict[str, Any]:
    return {
        "id": "v3.14",
        "status": "stable",
        "updated": _VERSION_UPDATED,
        "links": [{"rel": "self", "href": req.identity_url + "/"}],
        "media-types": [
            {
                "base": "application/json",
                "type": "application/vnd.openstack.identity-v3+json",
            }
        ],
    }


def issue_token(state: EmulatorState, req: Request) -> Reply:
    """`POST /v3/auth/tokens`: 201 with the token in `X-Subject-Token`, or Keystone's 400/401.

    The `keystone_answer` setting makes it answer 300 with the versions document (what an identity
    URL set to the service's root gets), 201 without `X-Subject-Token`, or 201 whose
    `expires_at` is no time.
    """
    answer = state.variants.keystone_answer
    if answer == "300":
        return versions_document(state, req)
    project_id, api_key, api_secret = _password_credentials(req.body)
    issued = state.authenticate(project_id, api_key, api_secret)
    if issued is None:
        raise _unauthorized()
    record, tenant = issued
    body = _token_body(record, req, tenant.user_id, tenant.api_key, tenant.project_name)
    if answer == "no_token_header":
        return json_reply(201, body)
    if answer == "unreadable_expiry":
        body["token"]["expires_at"] = "in an hour"
    return json_reply(201, body, {"X-Subject-Token": record.token})


def _password_credentials(raw: bytes) -> tuple[str, str, str]:
    """The (project id, user name, password) of a password-method body; raises Keystone errors."""
    try:
        body = parse_json(raw)
    except ValueError:
        raise _bad_request("Malformed request body: expecting a JSON object") from None
    auth = _member(body, "auth", "request body")
    identity = _member(auth, "identity", "auth")
    methods = identity.get("methods")
    if not isinstance(methods, list):
        raise _bad_request("Expecting to find methods in identity")
    if "password" not in methods:
        # Keystone answers 401 for a method it cannot use to authenticate.
        raise _unauthorized()
    user = _member(_member(identity, "password", "identity"), "user", "password")
    name, password = user.get("name"), user.get("password")
    if not isinstance(name, str) or not isinstance(password, str):
        raise _bad_request("Expecting to find name and password in user")
    domain = user.get("domain")
    if not isinstance(domain, dict) or not (
        domain.get("id") == "default" or domain.get("name") == "Default"
    ):
        raise _unauthorized()  # ECL users live in the default domain
    scope = auth.get("scope")
    project = scope.get("project") if isinstance(scope, dict) else None
    project_id = project.get("id") if isinstance(project, dict) else None
    if not isinstance(project_id, str):
        raise _unauthorized()  # the apps API needs a project-scoped token
    return project_id, name, password


def _member(parent: Any, name: str, where: str) -> dict[str, Any]:
    value = parent.get(name) if isinstance(parent, dict) else None
    if not isinstance(value, dict):
        raise _bad_request(f"Expecting to find {name} in {where}")
    return value


def _bad_request(message: str) -> HttpError:
    return HttpError(400, message, keystone=True)


def _unauthorized() -> HttpError:
    return HttpError(401, KEYSTONE_UNAUTHORIZED, keystone=True)


def _token_body(
    record: TokenRecord, req: Request, user_id: str, user_name: str, project_name: str
) -> dict[str, Any]:
    domain = {"id": "default", "name": "Default"}
    return {
        "token": {
            "methods": ["password"],
            "user": {
                "domain": domain,
                "id": user_id,
                "name": user_name,
                "password_expires_at": None,
            },
            "audit_ids": [record.audit_id],
            "expires_at": format_keystone(record.expires_at),
            "issued_at": format_keystone(record.issued_at),
            "project": {"domain": domain, "id": record.tenant_id, "name": project_name},
            "is_domain": False,
            "roles": [
                {"id": _stable_id("role:_member_"), "name": "_member_"},
                {"id": _stable_id("role:reader"), "name": "reader"},
            ],
            "catalog": [
                _catalog_entry("identity", "keystone", req.identity_url),
                _catalog_entry("webrtc", "webrtc", req.base_url),
            ],
        }
    }


def _catalog_entry(service_type: str, name: str, url: str) -> dict[str, Any]:
    return {
        "endpoints": [
            {
                "id": _stable_id(f"endpoint:{service_type}:{interface}"),
                "interface": interface,
                "region_id": REGION,
                "region": REGION,
                "url": url,
            }
            for interface in ("public", "internal", "admin")
        ],
        "id": _stable_id(f"service:{service_type}"),
        "type": service_type,
        "name": name,
    }


def _stable_id(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:32]
