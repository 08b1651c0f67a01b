"""The errors of an ECL call, one class per outcome a user or an admin must act on differently."""

from __future__ import annotations


class ECLError(Exception):
    """Base of every ECL failure; `message` is fit to show a user, never holds a secret."""

    code = "ecl_error"
    message = "The ECL service could not complete the request."

    def __init__(self, message: str | None = None, *, transaction_id: str = "") -> None:
        self.message = message or self.message
        self.transaction_id = transaction_id
        super().__init__(self.message)


class CredentialsRejected(ECLError):
    """Keystone refused the tenant's ECL API key or secret: an admin must fix the tenant."""

    code = "ecl_credentials_rejected"
    message = (
        "ECL rejected this tenant's API key or secret. A portal administrator must update the "
        "tenant's ECL credentials."
    )


class TenantMisconfigured(ECLError):
    """The tenant's stored settings cannot be used (for example, its secret cannot be decrypted)."""

    code = "tenant_misconfigured"
    message = "This tenant's ECL settings cannot be used. A portal administrator must fix them."


class TokenRejected(ECLError):
    """The apps API refused a freshly issued token too."""

    code = "ecl_token_rejected"
    message = "ECL refused the portal's access token twice in a row. Nothing was changed."


class TenantUnavailable(ECLError):
    code = "tenant_unavailable"
    message = "The tenant is not available at ECL."

    def __init__(self, state: str, *, transaction_id: str = "") -> None:
        self.state = state
        super().__init__(f"The tenant is {state} at ECL.", transaction_id=transaction_id)


class AppNotFound(ECLError):
    code = "app_not_found"
    message = "This app does not exist (it may have been deleted)."


class InvalidRequest(ECLError):
    """ECL's 400: `upstream_message` is ECL's own text, `field` the field it names, if any."""

    code = "invalid"

    def __init__(self, upstream_message: str, *, transaction_id: str = "") -> None:
        self.upstream_message = upstream_message
        self.field = field_named_by(upstream_message)
        super().__init__(
            f"ECL rejected the request: {upstream_message}", transaction_id=transaction_id
        )


class UpstreamUnavailable(ECLError):
    code = "ecl_unavailable"
    message = "ECL is not answering right now. Nothing was changed; try again in a moment."


class UpstreamTimeout(ECLError):
    code = "ecl_timeout"
    message = "ECL took too long to answer. Try again in a moment."


class BadUpstreamResponse(ECLError):
    code = "ecl_bad_response"
    message = "ECL answered something the portal cannot read. Try again in a moment."


class OutcomeUnknown(ECLError):
    """A request that changes something was sent, and its answer was lost."""

    code = "outcome_unknown"
    message = (
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
