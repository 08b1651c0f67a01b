"""The errors of an ECL call, one class per outcome a user or an admin must act on differently.

Messages are lazy translations: they are put into words in the language active when they are
shown (`str(error)`, a template, the API's answer), not when the error is raised.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# A tenant's state at ECL in the user's words (the states themselves are ECL's, never translated).
TENANT_STATES = {
    "suspended": pgettext_lazy("tenant state at ECL", "suspended"),
    "deleted": pgettext_lazy("tenant state at ECL", "deleted"),
}


def state_label(state: str) -> str | Promise:
    """`suspended` in the user's words; a state the portal does not know, as ECL sent it."""
    return TENANT_STATES.get(state, state)


class ECLError(Exception):
    """Base of every ECL failure; `message` is fit to show a user, never holds a secret."""

    code = "ecl_error"
    message: str | Promise = _("The ECL service could not complete the request.")

    def __init__(self, message: str | Promise | None = None, *, transaction_id: str = "") -> None:
        if message is None or (isinstance(message, str) and not message):
            message = type(self).message  # a lazy message stays lazy until it is shown
        self.message = message
        self.transaction_id = transaction_id
        super().__init__(self.message)


class CredentialsRejected(ECLError):
    """Keystone refused the tenant's ECL API key or secret: an admin must fix the tenant."""

    code = "ecl_credentials_rejected"
    message = _(
        "ECL rejected this tenant's API key or secret. A portal administrator must update the "
        "tenant's ECL credentials."
    )


class TenantMisconfigured(ECLError):
    """The tenant's stored settings cannot be used (for example, its secret cannot be decrypted)."""

    code = "tenant_misconfigured"
    message = _("This tenant's ECL settings cannot be used. A portal administrator must fix them.")


class TokenRejected(ECLError):
    """The apps API refused a freshly issued token too."""

    code = "ecl_token_rejected"
    message = _("ECL refused the portal's access token twice in a row. Nothing was changed.")


class TenantUnavailable(ECLError):
    code = "tenant_unavailable"
    message = _("The tenant is not available at ECL.")

    def __init__(self, state: str, *, transaction_id: str = "") -> None:
        self.state = state
        super().__init__(
            format_lazy(_("The tenant is {state} at ECL."), state=state_label(state)),
            transaction_id=transaction_id,
        )


class AppNotFound(ECLError):
    code = "app_not_found"
    message = _("This app does not exist (it may have been deleted).")


class InvalidRequest(ECLError):
    """ECL's 400: `upstream_message` is ECL's own text, `field` the field it names, if any."""

    code = "invalid"

    def __init__(self, upstream_message: str, *, transaction_id: str = "") -> None:
        self.upstream_message = upstream_message
        self.field = field_named_by(upstream_message)
        # The prefix is ours (translated); ECL's text is shown as ECL wrote it.
        super().__init__(
            format_lazy(_("ECL rejected the request: {message}"), message=upstream_message),
            transaction_id=transaction_id,
        )


class UpstreamUnavailable(ECLError):
    code = "ecl_unavailable"
    message = _("ECL is not answering right now. Nothing was changed; try again in a moment.")


class UpstreamTimeout(ECLError):
    code = "ecl_timeout"
    message = _("ECL took too long to answer. Try again in a moment.")


class BadUpstreamResponse(ECLError):
    code = "ecl_bad_response"
    message = _("ECL answered something the portal cannot read. Try again in a moment.")


class OutcomeUnknown(ECLError):
    """A request that changes something was sent, and its answer was lost."""

    code = "outcome_unknown"
    message = _(
        "The request reached ECL but its answer was lost, so the portal cannot tell whether it "
        "took effect. Check the current state before trying again."
    )


_FIELDS_BY_TEXT = {
    "description": "description",
    "domain": "domains",
    "status": "status",
    "permission": "permissions",
    "bucket": "recording_bucket_name",
    "service account": "recording_service_account_key",
}


def field_named_by(upstream_message: str) -> str | None:
    """The request field an ECL 400 message is about (`Invalid domain format` -> `domains`)."""
    text = upstream_message.lower()
    for words, field in _FIELDS_BY_TEXT.items():
        if words in text:
            return field
    return None
