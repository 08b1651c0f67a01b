"""Validation of app create/update bodies, with the reference's exact 400 texts."""

from __future__ import annotations

import json
import re
from typing import Any

from .reply import (
    DESCRIPTION_TOO_LONG,
    DOMAIN_TOO_LONG,
    INVALID_DOMAIN,
    INVALID_PERMISSIONS,
    INVALID_REQUEST,
    INVALID_STATUS,
    HttpError,
)

PERMISSIONS = ("TURN", "SFU", "USER_LIST", "PEER_AUTHENTICATION", "RECORDING")
APP_STATUSES = ("active", "suspended")
MAX_DESCRIPTION = 128
MAX_DOMAIN = 255

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
# Every dotted-quad IPv4 address is also a run of digit labels, so one pattern covers both.
_HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


def parse_json(raw: bytes) -> Any:
    """Decode a JSON body; an empty body is `{}`. Raises ValueError on anything unreadable."""
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:  # invalid UTF-8 is a ValueError too
        raise ValueError(str(exc)) from None


def is_valid_domain(domain: str) -> bool:
    """A hostname of 1-63 character labels (letters, digits, inner hyphens) or an IPv4 address
    (ecl-contract.md §4.7)."""
    return _HOSTNAME.fullmatch(domain) is not None


def parse_app_fields(raw: bytes) -> dict[str, Any]:
    """The fields present in a create/update body, checked; raises HttpError(400).

    Checks run in the reference's order of texts: description, domain length, domain format,
    status, permissions. A wrong JSON type gets the text of its field; fields without a text
    of their own (and bodies that are not a JSON object) get `Invalid request`. (ecl-contract.md
    §4.12)
    """
    try:
        body = parse_json(raw)
    except ValueError:
        raise HttpError(400, INVALID_REQUEST) from None
    if not isinstance(body, dict):
        raise HttpError(400, INVALID_REQUEST)
    fields: dict[str, Any] = {}
    if "description" in body:
        fields["description"] = _description(body["description"])
    if "domains" in body:
        fields["domains"] = _domains(body["domains"])
    if "status" in body:
        if body["status"] not in APP_STATUSES:
            raise HttpError(400, INVALID_STATUS)
        fields["status"] = body["status"]
    if "permissions" in body:
        fields["permissions"] = _permissions(body["permissions"])
    for name in ("recording_bucket_name", "recording_service_account_key"):
        if name in body:
            if not isinstance(body[name], str):
                raise HttpError(400, INVALID_REQUEST)
            fields[name] = body[name]
    return fields


def _description(value: Any) -> str:
    if not isinstance(value, str):
        raise HttpError(400, INVALID_REQUEST)
    if len(value) > MAX_DESCRIPTION:
        raise HttpError(400, DESCRIPTION_TOO_LONG)
    return value


def _domains(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(d, str) for d in value):
        raise HttpError(400, INVALID_DOMAIN)
    if any(len(d) > MAX_DOMAIN for d in value):
        raise HttpError(400, DOMAIN_TOO_LONG)
    if not all(is_valid_domain(d) for d in value):
        raise HttpError(400, INVALID_DOMAIN)
    return list(value)


def _permissions(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(
        isinstance(p, str) and p in PERMISSIONS for p in value
    ):
        raise HttpError(400, INVALID_PERMISSIONS)
    return list(dict.fromkeys(value))  # a set of grants: drop repeats, keep the order given
