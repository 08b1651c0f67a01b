"""One function per ECL apps API operation, tenant first; callers never build URLs.

Each reads ECL's answer the way its operation needs: lists and apps as a tolerant reader
(`reading.py`), secret keys strictly, and any 2xx as success. The `*_answer` variants also return
ECL's body as it came, for the REST API to pass on.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext

from apps_admin.ecl import errors, partial
from apps_admin.ecl.client import call
from apps_admin.ecl.reading import (
    Problem,
    app_json,
    list_json,
    read_app,
    read_app_list,
    reason,
    summary,
)
from apps_admin.ecl.types import Answer, App, AppList, SecretKey, UnreadableApp, decode

if TYPE_CHECKING:
    from apps_admin.ecl.transport import Reply
    from apps_admin.models import Tenant

logger = logging.getLogger("apps_admin.ecl")

APPS = "/tenants/{tenant_id}/apps"
APP = "/tenants/{tenant_id}/apps/{app_id}"
SECRETKEY = "/tenants/{tenant_id}/apps/{app_id}/secretkey"


def app_list(tenant: Tenant, *, expand: bool = True) -> AppList:
    """Every app of the tenant that could be read (`.unreadable` holds the others); without
    `expand`, only id, apikey and description of each (AppSummary)."""
    reply = _list(tenant, expand)
    try:
        apps, problems = read_app_list(reply.body, expanded=expand)
    except errors.BadUpstreamResponse as error:
        raise _with_transaction(error, reply) from None
    _log(problems, tenant, reply, "list")
    return apps


def app_list_fields(
    tenant: Tenant, fields: frozenset[str], *, whole: bool = False
) -> partial.PageList:
    """Every app of the tenant, each with its id and apikey checked and only `fields` decoded
    (partial.py), the tolerant reader's whole apps on any problem: for an answer that needs a
    few fields, or (`whole`) a page that shows a few apps, which `.whole(chosen)` gives."""
    reply = _list(tenant, True)
    found = partial.read(reply.body, fields, whole=whole)
    if found is None:
        try:
            apps, problems = read_app_list(reply.body, expanded=True)
        except errors.BadUpstreamResponse as error:
            raise _with_transaction(error, reply) from None
        _log(problems, tenant, reply, "list")
        return partial.PageList.of(apps)
    found.log = lambda problems: _log(problems, tenant, reply, "list")
    return found


def app_list_body(tenant: Tenant, *, expand: bool = True) -> bytes:
    """ECL's list as it came, checked only to be a JSON array (`null` is the empty list), as
    strict JSON (`reading.list_json`: an app msgspec cannot read is re-encoded)."""
    reply = _list(tenant, expand)
    try:
        return list_json(reply.body)
    except errors.BadUpstreamResponse as error:
        raise _with_transaction(error, reply) from None


def app_get_answer(tenant: Tenant, app_id: str) -> Answer[App | UnreadableApp]:
    """The app as far as it could be read (UnreadableApp when its id or apikey cannot be
    trusted), with ECL's body as it came."""
    reply = call(tenant, "GET", APP, app_id=app_id)
    try:
        app, problems = read_app(reply.body)
    except errors.BadUpstreamResponse as error:
        raise _with_transaction(error, reply) from None
    _log(problems, tenant, reply, "get")
    return Answer(app, app_json(reply.body), reply.status)


def app_get(tenant: Tenant, app_id: str) -> App:
    """The app; BadUpstreamResponse naming the field when its id or apikey cannot be trusted."""
    app = app_get_answer(tenant, app_id).value
    if isinstance(app, UnreadableApp):
        raise errors.BadUpstreamResponse(unreadable_message(app))
    return app


def app_create_answer(tenant: Tenant, fields: dict[str, Any]) -> Answer[App]:
    """Create an app from request fields (description, domains, permissions, status, recording).
    A 2xx without a readable app is OutcomeUnknown: it was most likely made."""
    reply = call(tenant, "POST", APPS, body=fields)
    app = _read_written(reply)
    if not isinstance(app, App):
        raise errors.OutcomeUnknown(transaction_id=reply.transaction_id)
    return Answer(app, app_json(reply.body), reply.status)


def app_update_answer(tenant: Tenant, app_id: str, fields: dict[str, Any]) -> Answer[App | None]:
    """Change the fields given and only those (PUT leaves the others as they are). The value is
    None when ECL's 2xx carried no readable app (it is done all the same). OutcomeUnknown when
    the PUT was sent and its answer lost."""
    reply = call(tenant, "PUT", APP, app_id=app_id, body=fields)
    app = _read_written(reply)
    if isinstance(app, App):
        return Answer(app, app_json(reply.body), reply.status)
    return Answer(None, reply.body, reply.status)


def app_delete_answer(tenant: Tenant, app_id: str) -> Answer[None]:
    """Any 2xx, with or without a body, is done."""
    reply = call(tenant, "DELETE", APP, app_id=app_id)
    return Answer(None, reply.body, reply.status)


def secretkey_get(tenant: Tenant, app_id: str) -> str:
    """The secret key: a non-empty string, or BadUpstreamResponse (never a wrong value shown;
    ecl-contract.md §5.1)."""
    reply = call(tenant, "GET", SECRETKEY, app_id=app_id)
    try:
        return decode(reply.body, SecretKey).secretkey
    except errors.BadUpstreamResponse as error:
        raise _with_transaction(error, reply) from None


def secretkey_renew(tenant: Tenant, app_id: str) -> str:
    """A new secret key; OutcomeUnknown when the answer was lost or unreadable (the key may have
    changed)."""
    reply = call(tenant, "POST", SECRETKEY, app_id=app_id)
    try:
        return decode(reply.body, SecretKey).secretkey
    except errors.BadUpstreamResponse:
        raise errors.OutcomeUnknown(transaction_id=reply.transaction_id) from None


def unreadable_message(app: UnreadableApp) -> str:
    """Why the portal cannot act on the app, in the user's words."""
    return gettext("ECL sent an app the portal cannot act on: %(reason)s") % {"reason": reason(app)}


# --- Helpers -------------------------------------------------------------------------------


def _list(tenant: Tenant, expand: bool) -> Reply:
    return call(tenant, "GET", APPS, params={"expandApps": "true" if expand else "false"})


def _read_written(reply: Reply) -> App | UnreadableApp | None:
    """The app in a 2xx answer to a change, or None when the answer holds no readable app: a
    2xx is done whatever its body says (ecl-contract.md, section 6)."""
    try:
        return read_app(reply.body)[0]
    except errors.BadUpstreamResponse:
        logger.warning(
            "ECL answered %s without an app transaction_id=%s",
            reply.status,
            reply.transaction_id or "-",
        )
        return None


def _with_transaction(error: errors.ECLError, reply: Reply) -> errors.ECLError:
    error.transaction_id = reply.transaction_id
    return error


def _log(problems: list[Problem], tenant: Tenant, reply: Reply, what: str) -> None:
    for line in summary(problems):
        logger.warning(
            "ECL app %s: read around %s tenant=%s transaction_id=%s",
            what,
            line,
            tenant.tenant_id,
            reply.transaction_id or "-",
        )
