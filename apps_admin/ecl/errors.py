"""The errors of an ECL call, one class per outcome a user or an admin must act on differently.

Each class says once what the portal answers for it, on pages and in the API alike: `status`
(HTTP), `code` (for programs), `title` and `message` (for people), `changing_message` (said
instead after a request meant to change something, where "nothing was changed" may be untrue),
`retry` (trying again may help) and `tenant_settings` (a superuser must fix the tenant).

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
    status = 502
    title: str | Promise = _("ECL could not complete the request")
    message: str | Promise = _("The ECL service could not complete the request.")
    changing_message: str | Promise | None = None
    retry = True
    tenant_settings = False

    def __init__(self, message: str | Promise | None = None, *, transaction_id: str = "") -> None:
        if message is None or (isinstance(message, str) and not message):
            message = type(self).message  # a lazy message stays lazy until it is shown
        self.message = message
        self.transaction_id = transaction_id
        super().__init__(self.message)

    def words(self, *, changing: bool = False) -> str | Promise:
        """What to tell a person; `changing` when the request meant to change something."""
        if changing and self.changing_message is not None:
            return self.changing_message
        return self.message


class CredentialsRejected(ECLError):
    """Keystone refused the tenant's ECL API key or secret: an admin must fix the tenant."""

    code = "ecl_credentials_rejected"
    title = _("ECL rejected this tenant's credentials")
    message = _(
        "ECL rejected the API key or secret the portal uses for this tenant, so nothing can be "
        "shown or changed. A portal administrator must update the tenant's ECL credentials."
    )
    retry = False
    tenant_settings = True


class TenantMisconfigured(ECLError):
    """The tenant's stored settings cannot be used (for example, its secret cannot be decrypted)."""

    code = "tenant_misconfigured"
    title = _("This tenant's settings cannot be used")
    message = _(
        "The portal cannot use the ECL settings stored for this tenant. Nothing was changed. A "
        "portal administrator must fix them."
    )
    retry = False
    tenant_settings = True


class IdentityUnusable(TenantMisconfigured):
    """Keystone answered in a way that can never give a token: a redirect or 300 (an identity
    URL set to the service's root), a 404 on the token path, a 2xx without X-Subject-Token.
    Trying again never helps: the tenant's identity URL must be fixed."""

    def __init__(self, status: int, *, transaction_id: str = "") -> None:
        self.upstream_status = status
        if 200 <= status < 300:
            why = _("it answered HTTP {status} without a token (no X-Subject-Token header)")
        elif status == 404:
            why = _("it has no token service there (HTTP {status}); the URL must end in /v3")
        else:
            why = _("it answered HTTP {status} instead of a token; the URL must end in /v3")
        super().__init__(
            format_lazy(
                _(
                    "ECL's identity service at this tenant's identity URL cannot give the "
                    "portal a token: {why}. Nothing was changed. A portal administrator must fix "
                    "the tenant's ECL settings."
                ),
                why=format_lazy(why, status=status),
            ),
            transaction_id=transaction_id,
        )


class TokenRejected(ECLError):
    """The apps API refused a freshly issued token too; ECL's own words are shown, not a guess."""

    code = "ecl_token_rejected"
    title = _("ECL refused the portal's access")
    message = _(
        "ECL refused the request twice, the second time with a new access token, without saying "
        "why. Nothing was changed."
    )

    def __init__(self, upstream_message: str = "", *, status: int = 0, transaction_id: str = ""):
        self.upstream_message = upstream_message
        message = None
        if upstream_message:
            message = format_lazy(
                _(
                    "ECL refused the request twice, the second time with a new access token "
                    "(HTTP {status}): “{text}”. Nothing was changed."
                ),
                status=status,
                text=upstream_message,
            )
        super().__init__(message, transaction_id=transaction_id)


class TenantUnavailable(ECLError):
    """ECL refuses everything for the tenant (403, as ECL itself answers)."""

    code = "tenant_unavailable"
    status = 403
    message = _("The tenant is not available at ECL.")
    retry = False

    def __init__(self, state: str, *, transaction_id: str = "") -> None:
        self.state = state
        label = state_label(state)
        self.title = format_lazy(_("This tenant is {state} at ECL"), state=label)
        super().__init__(
            format_lazy(
                _(
                    "ECL refuses every request for this tenant because the tenant is {state} "
                    "there. Nothing was changed. Your ECL contract administrator or NTT "
                    "Communications can tell you why."
                ),
                state=label,
            ),
            transaction_id=transaction_id,
        )


class AppNotFound(ECLError):
    code = "app_not_found"
    status = 404
    title = _("App not found")
    message = _("This app does not exist (it may have been deleted).")
    retry = False


class InvalidRequest(ECLError):
    """ECL's 400: `upstream_message` is ECL's own text, `field` the field it names, if any."""

    code = "invalid"
    status = 400
    title = _("ECL rejected the request")
    retry = False

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
    status = 503
    title = _("ECL is not answering")
    message = _("ECL is not answering right now. Nothing was changed; try again in a moment.")

    @classmethod
    def answered(cls, status: int, *, transaction_id: str = "") -> UpstreamUnavailable:
        """ECL answered, with a server error: say so rather than that it did not answer."""
        error = cls(
            format_lazy(
                _(
                    "ECL answered with a server error (HTTP {status}). Nothing was changed; try "
                    "again in a moment."
                ),
                status=status,
            ),
            transaction_id=transaction_id,
        )
        error.title = _("ECL answered with an error")
        return error


class UpstreamTimeout(ECLError):
    code = "ecl_timeout"
    status = 504
    title = _("ECL took too long to answer")
    message = _("ECL took too long to answer. Nothing was changed; try again in a moment.")
    changing_message = _(
        "ECL took too long to answer, so the portal cannot tell whether the change was made. "
        "Check the app before trying again."
    )


class BadUpstreamResponse(ECLError):
    code = "ecl_bad_response"
    title = _("ECL's answer could not be read")
    message = _("ECL answered something the portal cannot read. Try again in a moment.")
    changing_message = _(
        "ECL answered something the portal cannot read, so it cannot tell whether the change "
        "was made. Check the app before trying again."
    )


class ResponseTooLarge(BadUpstreamResponse):
    """ECL's answer was larger than ECL_MAX_BODY_BYTES; the rest of it was not read."""

    code = "ecl_response_too_large"
    title = _("ECL's answer was too large")
    message = _(
        "ECL sent an answer larger than the portal accepts, so it was not read. A portal "
        "administrator can raise ECL_MAX_BODY_BYTES."
    )
    changing_message = _(
        "ECL sent an answer larger than the portal accepts, so the portal cannot tell whether "
        "the change was made. Check the app before trying again."
    )
    retry = False


class OutcomeUnknown(ECLError):
    """A request that changes something was sent, and its answer was lost."""

    code = "outcome_unknown"
    title = _("The outcome is unknown")
    message = _(
        "The request reached ECL but its answer was lost, so the portal cannot tell whether it "
        "took effect. Check the current state before trying again."
    )
    retry = False


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
