"""One authenticated call to a tenant's apps API: token, one re-authentication, error mapping.

The mapping tells a write's outcome by what ECL answered (ecl-contract.md, section 6): a 2xx was
carried out; ECL's own refusal (a 4xx, a 429, a 503 with Retry-After) was not; a 5xx, a
gateway's page or an answer that is no answer (a 1xx or 3xx) after the write was sent leaves
the outcome unknown (OutcomeUnknown), for the caller to settle by reading back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from apps_admin import endpoints
from apps_admin.ecl import breaker, bulkhead, errors, tokens, tolerant_json
from apps_admin.ecl.error_text import upstream_text
from apps_admin.ecl.transport import Deadline, Reply, exchange
from apps_admin.ecl.types import usable_app_id

if TYPE_CHECKING:
    from apps_admin.models import Tenant


def call(
    tenant: Tenant,
    method: str,
    route: str,
    *,
    app_id: str = "",
    body: Any = None,
    params: dict[str, str] | None = None,
) -> Reply:
    """Send `method route` for the tenant and return ECL's 2xx answer, or raise an ECLError
    (ecl-contract.md §5.6: any 2xx is success).

    `route` is the reference's template, e.g. "/tenants/{tenant_id}/apps/{app_id}"; it is logged
    as is, so logs group by operation. An app id that cannot name an app in a path (a dot
    segment, a slash, a control character) is a missing app, found before any call (§5.11).
    """
    if "{app_id}" in route and not usable_app_id(str(app_id)):
        raise errors.AppNotFound()
    if endpoints.problem(tenant.api_endpoint):
        # Its tokens would go there: a tenant pointed elsewhere since ECL_ALLOWED_ENDPOINTS
        # changed must be fixed by a superuser first.
        raise errors.TenantMisconfigured()
    # Every operation passes here once: a slow tenant holds at most its share of the worker's
    # threads (bulkhead), and a failing one is not called at all for a while (breaker).
    with bulkhead.slot(tenant.tenant_id):
        ticket = breaker.admit(tenant.tenant_id)
        try:
            reply = _call(tenant, method, route, app_id=app_id, body=body, params=params)
        except errors.ECLError as error:
            breaker.record(ticket, failed=_ecl_failing(error))
            raise
        breaker.record(ticket, failed=False)
        return reply


def _ecl_failing(error: errors.ECLError) -> bool:
    """Whether `error` says ECL itself is failing: a server error, or no answer at all (a
    timeout, a lost connection, a write's lost answer). A 4xx is ECL answering."""
    if error.answer_status is not None:
        return error.answer_status >= 500
    return isinstance(
        error, errors.UpstreamTimeout | errors.UpstreamUnavailable | errors.OutcomeUnknown
    )


def _call(
    tenant: Tenant,
    method: str,
    route: str,
    *,
    app_id: str,
    body: Any,
    params: dict[str, str] | None,
) -> Reply:
    deadline = Deadline()
    url = tenant.api_endpoint + route.format(
        tenant_id=quote(tenant.tenant_id, safe=""), app_id=quote(str(app_id), safe="")
    )
    token = tokens.token_for(tenant, deadline)
    for attempt in (1, 2):
        reply = exchange(
            method,
            url,
            route=route,
            tenant_id=tenant.tenant_id,
            deadline=deadline,
            headers={"X-Auth-Token": token},
            body=body,
            params=params,
        )
        if 200 <= reply.status < 300:
            return reply
        text = upstream_text(reply.body, reply.content_type)
        refusal: errors.ECLError | None = None
        if app_id and _app_missing(reply.status, text.lower()):
            refusal = errors.AppNotFound(transaction_id=reply.transaction_id)
        else:
            refusal = _refusal(method, reply, text)
        if refusal is not None:
            refusal.answer_status = reply.status
            raise refusal
        # Refused for its token (expired, revoked, or a reason ECL words its own way): the
        # request was not carried out, so it is safe to send again with a new token, once.
        tokens.discard(tenant, token)
        if attempt == 2:
            rejected = errors.TokenRejected(
                text, status=reply.status, transaction_id=reply.transaction_id
            )
            rejected.answer_status = reply.status
            raise rejected
        token = tokens.token_for(tenant, deadline, rejected=token)
    raise AssertionError("unreachable")  # pragma: no cover


def _app_missing(status: int, lowered: str) -> bool:
    """ECL's "App doesn't exist" (403), or a 404, for a call about one app."""
    if status == 404:
        return True
    return status == 403 and ("exist" in lowered or ("app" in lowered and "not found" in lowered))


def _refusal(method: str, reply: Reply, text: str) -> errors.ECLError | None:
    """The error ECL's non-2xx answer means, or None when it may be a refused token (401, or a
    403 that is not a recognised tenant state or missing app: ecl-contract.md §5.8)."""
    status, transaction_id, lowered = reply.status, reply.transaction_id, text.lower()
    write = method != "GET"
    if reply.busy:
        return errors.UpstreamBusy(reply.retry_after, status=status, transaction_id=transaction_id)
    if status == 401:
        return None
    if status == 403 and "suspend" in lowered:
        return errors.TenantUnavailable("suspended", transaction_id=transaction_id)
    if status == 403 and "tenant" in lowered and "delet" in lowered:
        return errors.TenantUnavailable("deleted", transaction_id=transaction_id)
    if status == 403:
        return None
    if status == 400:
        return errors.InvalidRequest(text or "Invalid request", transaction_id=transaction_id)
    if write and (status >= 500 or status < 400 or not _ecl_shaped(reply)):
        # Sent, and answered by something that does not say what ECL did: a gateway's page
        # after it forwarded the request, a server error inside ECL, a redirect.
        return errors.OutcomeUnknown(transaction_id=transaction_id)
    if status >= 500:
        return errors.UpstreamUnavailable.answered(status, transaction_id=transaction_id)
    return errors.BadUpstreamResponse.refused(status, text, transaction_id=transaction_id)


def _ecl_shaped(reply: Reply) -> bool:
    """Whether an error answer is ECL's own (a JSON object), not a gateway's page."""
    try:
        return isinstance(tolerant_json.loads(reply.body), dict)
    except tolerant_json.NotJSON:
        return False
