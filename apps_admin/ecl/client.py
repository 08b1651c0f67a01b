"""One authenticated call to a tenant's apps API: token, one re-authentication, error mapping."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from apps_admin.ecl import errors, tokens
from apps_admin.ecl.transport import Deadline, exchange
from apps_admin.ecl.types import Answer, decode

if TYPE_CHECKING:
    import requests

    from apps_admin.models import Tenant

logger = logging.getLogger("apps_admin.ecl")


def call(
    tenant: Tenant,
    method: str,
    route: str,
    *,
    app_id: str = "",
    body: Any = None,
    params: dict[str, str] | None = None,
    into: Any = Any,
) -> Answer:
    """Send `method route` for the tenant and return ECL's answer decoded as `into` (with the body
    as sent), or raise an ECLError.

    `route` is the reference's template, e.g. "/tenants/{tenant_id}/apps/{app_id}"; it is logged
    as is, so logs group by operation.
    """
    deadline = Deadline()
    url = tenant.api_endpoint + route.format(
        tenant_id=quote(tenant.tenant_id, safe=""), app_id=quote(str(app_id), safe="")
    )
    token = tokens.token_for(tenant, deadline)
    for attempt in (1, 2):
        response = exchange(
            method,
            url,
            route=route,
            tenant_id=tenant.tenant_id,
            deadline=deadline,
            headers={"X-Auth-Token": token},
            body=body,
            params=params,
        )
        if not _token_rejected(response):
            return _answer(method, response, into, per_app=bool(app_id))
        tokens.discard(tenant, token)
        if attempt == 2:
            raise errors.TokenRejected(transaction_id=_transaction_id(response))
        # A refused token means the request was not carried out: sending it again is safe.
        token = tokens.token_for(tenant, deadline, rejected=token)
    raise AssertionError("unreachable")  # pragma: no cover


def _transaction_id(response: requests.Response) -> str:
    return response.headers.get("ECL-Transaction-ID", "")


def _message(response: requests.Response) -> str | None:
    """ECL's error text, or None when the body is not the documented error shape."""
    try:
        data = json.loads(response.content)
    except ValueError:
        return None
    if isinstance(data, dict):
        error = data.get("error", data)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"]
    return None


def _is_json_or_empty(body: bytes) -> bool:
    if not body.strip():
        return True
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def _token_rejected(response: requests.Response) -> bool:
    if response.status_code == 401:
        return True
    if response.status_code != 403:
        return False
    message = _message(response)
    return message is None or "authenticat" in message.lower()


def _answer(method: str, response: requests.Response, into: Any, *, per_app: bool) -> Answer:
    """ECL's decoded answer for a 200, or the error its status and body mean: the one mapping."""
    status, transaction_id = response.status_code, _transaction_id(response)
    if 200 <= status < 300:
        body = response.content
        if method == "DELETE":
            return Answer(None, body, status)  # any 2xx, with or without a body, is done
        try:
            return Answer(decode(body, into), body, status)
        except errors.BadUpstreamResponse as error:
            if method == "PUT" and _is_json_or_empty(body):
                # Done, with an answer that is no app (empty, `{}`): nothing to show of it.
                logger.warning(
                    "ECL answered PUT %s without an app transaction_id=%s",
                    status,
                    transaction_id or "-",
                )
                return Answer(None, body, status)
            if method == "POST":
                # Answered 2xx but unreadably: what it asked for has most likely happened.
                raise errors.OutcomeUnknown(transaction_id=transaction_id) from None
            error.transaction_id = transaction_id
            raise
    message = _message(response) or ""
    lowered = message.lower()
    if status == 400:
        raise errors.InvalidRequest(message or "Invalid request", transaction_id=transaction_id)
    if status == 403 and "suspend" in lowered:
        raise errors.TenantUnavailable("suspended", transaction_id=transaction_id)
    if status == 403 and "delet" in lowered:
        raise errors.TenantUnavailable("deleted", transaction_id=transaction_id)
    if per_app and ((status == 403 and "exist" in lowered) or status == 404):
        if method == "DELETE" and getattr(response, "ecl_resent", False):
            return Answer(None, b"{}")  # our first DELETE went through; its answer was lost
        raise errors.AppNotFound(transaction_id=transaction_id)
    if status == 503 or (status >= 500 and method != "POST"):
        raise errors.UpstreamUnavailable(transaction_id=transaction_id)
    if status >= 500:
        # A POST that failed inside ECL or behind its gateway may still have taken effect.
        raise errors.OutcomeUnknown(transaction_id=transaction_id)
    raise errors.BadUpstreamResponse(
        f"ECL answered {status} unexpectedly.", transaction_id=transaction_id
    )
