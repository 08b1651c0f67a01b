"""The errors of an ECL call, one class per outcome a user or an admin must act on differently.

Each class says once what the portal answers for it, on pages and in the API alike: `status`
(HTTP), `code` (for programs), `title` and `message` (for people), `retry` (trying again may
help), `tenant_settings` (a superuser must fix the tenant), `retry_after` (seconds, passed on as
`Retry-After`) and `found` (what reading back found, for the API).

"Nothing was changed" is said only where it is known (ecl-contract.md, section 6): an error
raised before a write was sent, or for ECL's own refusal of it. A write sent whose answer was
lost is OutcomeUnknown until reading back settles it. The last classes are the portal's own
refusals to start a write (its lock or its audit log cannot be used): nothing was sent.

Messages are lazy translations: they are put into words in the language active when they are
shown (`str(error)`, a template, the API's answer), not when the error is raised.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, pgettext_lazy

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
    retry = True
    tenant_settings = False
    retry_after: float | None = None
    found: Any = None
    # The HTTP status of ECL's answer this error stands for; None when no answer came (the
    # circuit breaker counts a 5xx or no answer as ECL failing, a 4xx as ECL answering).
    answer_status: int | None = None

    def __init__(self, message: str | Promise | None = None, *, transaction_id: str = "") -> None:
        if message is None or (isinstance(message, str) and not message):
            message = type(self).message  # a lazy message stays lazy until it is shown
        self.message = message
        self.transaction_id = transaction_id
        super().__init__(self.message)


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


class CircuitOpen(UpstreamUnavailable):
    """The tenant's ECL timed out or answered server errors ECL_BREAKER_FAILURES times in a row:
    its calls are not sent until the cooldown has passed and one probe call succeeds."""

    title = _("ECL is failing for this tenant")

    def __init__(self, since: datetime, retry_after: float) -> None:
        self.since = since
        self.retry_after = retry_after
        super().__init__(
            format_lazy(
                _(
                    "ECL has been failing for this tenant since {since}: it did not answer in "
                    "time or answered with server errors. Until it answers again the portal "
                    "sends it nothing, so nothing was sent to ECL and nothing was changed. Try "
                    "again after {retry_at}."
                ),
                since=_moment(since),
                retry_at=_moment(timezone.now() + timedelta(seconds=retry_after)),
            )
        )


def _moment(at: datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S %Z")


class NotApplied(UpstreamUnavailable):
    """A write whose answer was lost, and which reading back showed was not carried out."""

    title = _("The change was not made")
    message = _(
        "ECL's answer was lost, and reading back showed that the change was not made. Nothing "
        "was changed; try again in a moment."
    )


class UpstreamBusy(ECLError):
    """ECL's 429, or a 503 with Retry-After: refused, not carried out; come back later."""

    code = "ecl_busy"
    status = 503
    title = _("ECL is busy")

    def __init__(
        self, retry_after: float | None = None, *, status: int = 429, transaction_id: str = ""
    ) -> None:
        self.retry_after = retry_after
        message: str | Promise
        if retry_after is None:
            message = format_lazy(
                _(
                    "ECL is busy and refused the request (HTTP {status}). Nothing was changed; "
                    "try again in a moment."
                ),
                status=status,
            )
        elif retry_after < 120:
            seconds = max(1, math.ceil(retry_after))
            message = ngettext_lazy(
                "ECL is busy and refused the request (HTTP %(status)d). Nothing was changed; "
                "try again in %(count)d second.",
                "ECL is busy and refused the request (HTTP %(status)d). Nothing was changed; "
                "try again in %(count)d seconds.",
                "count",
            ) % {"status": status, "count": seconds}
        else:
            minutes = math.ceil(retry_after / 60)
            message = ngettext_lazy(
                "ECL is busy and refused the request (HTTP %(status)d). Nothing was changed; "
                "try again in %(count)d minute.",
                "ECL is busy and refused the request (HTTP %(status)d). Nothing was changed; "
                "try again in %(count)d minutes.",
                "count",
            ) % {"status": status, "count": minutes}
        super().__init__(message, transaction_id=transaction_id)


class TenantBusy(UpstreamBusy):
    """This worker already runs ECL_TENANT_CONCURRENCY operations of the tenant (its ECL is
    slow): refused at once, before anything was sent, so that the others keep their threads."""

    title = _("ECL is answering slowly for this tenant")

    def __init__(self, waiting: int) -> None:
        self.waiting = waiting
        self.retry_after = 60.0
        message = ngettext_lazy(
            "ECL is answering slowly for this tenant; %(count)d request is waiting for it. "
            "Nothing was sent to ECL and nothing was changed; try again in a minute.",
            "ECL is answering slowly for this tenant; %(count)d requests are waiting for it. "
            "Nothing was sent to ECL and nothing was changed; try again in a minute.",
            "count",
        ) % {"count": waiting}
        ECLError.__init__(self, message)


class UpstreamTimeout(ECLError):
    """Raised only before a write was sent, or for a read: a write's lost answer is
    OutcomeUnknown."""

    code = "ecl_timeout"
    status = 504
    title = _("ECL took too long to answer")
    message = _("ECL took too long to answer. Nothing was changed; try again in a moment.")


class BadUpstreamResponse(ECLError):
    code = "ecl_bad_response"
    title = _("ECL's answer could not be read")
    message = _("ECL answered something the portal cannot read. Try again in a moment.")

    @classmethod
    def refused(cls, status: int, text: str, *, transaction_id: str = "") -> BadUpstreamResponse:
        """ECL refused with a status the portal does not expect (a 409, a 3xx to a read)."""
        if text:
            message = format_lazy(
                _("ECL refused the request with HTTP {status}: “{text}”. Nothing was changed."),
                status=status,
                text=text,
            )
        else:
            message = format_lazy(
                _("ECL refused the request with HTTP {status}. Nothing was changed."),
                status=status,
            )
        return cls(message, transaction_id=transaction_id)


class ResponseTooLarge(BadUpstreamResponse):
    """ECL's answer was larger than ECL_MAX_BODY_BYTES; the rest of it was not read."""

    code = "ecl_response_too_large"
    title = _("ECL's answer was too large")
    message = _(
        "ECL sent an answer larger than the portal accepts, so it was not read. A portal "
        "administrator can raise ECL_MAX_BODY_BYTES."
    )
    retry = False


class OutcomeUnknown(ECLError):
    """A request that changes something was sent, and its answer was lost; `found` holds what
    reading back found, when it found something (for the API)."""

    code = "outcome_unknown"
    title = _("The outcome is unknown")
    message = _(
        "The request reached ECL but its answer was lost, so the portal cannot tell whether it "
        "took effect. Check the current state before trying again."
    )
    retry = False

    def __init__(
        self,
        message: str | Promise | None = None,
        *,
        transaction_id: str = "",
        found: Any = None,
    ) -> None:
        super().__init__(message, transaction_id=transaction_id)
        self.found = found


# --- What reading back found, after a write whose answer was lost --------------------------

READ_BACK_FAILED = _(
    "ECL's answer was lost, and the app could not be read back to see whether the change was "
    "made, so the outcome is unknown. Open the app to check before trying again."
)
LIST_READ_BACK_FAILED = _(
    "ECL's answer was lost, and the list of apps could not be read to see whether the app was "
    "made, so the outcome is unknown. Look for it in the list of apps before adding it again."
)
CREATED_MAYBE = _(
    "ECL's answer was lost. An app with this description was created since you asked: it may "
    "be the one you just added. Open it rather than adding another."
)
CREATED_NOT = _(
    "ECL's answer was lost, and there is no new app with this description at ECL: it was not "
    "made. Nothing was changed; try again."
)
CHANGED_BY_SOMEONE = _(
    "ECL's answer was lost, and the app now holds values that are neither yours nor the ones "
    "it had: someone else changed it meanwhile. Compare them with yours before saving again."
)
KEY_UNTOLD = _(
    "ECL's answer was lost, and a service account key cannot be read back, so the portal cannot "
    "tell whether it was replaced. Save it again to be sure."
)
DELETED_NOT = _(
    "ECL's answer was lost, and the app is still there: it was not deleted. Nothing was "
    "changed; try again in a moment."
)
RENEWED_NOT = _(
    "ECL's answer was lost, and the secret key is still the one it was: it was not "
    "regenerated. Nothing was changed; try again in a moment."
)
KEY_READ_BACK_FAILED = _(
    "ECL's answer was lost, and the secret key could not be read back, so the portal cannot "
    "tell whether it was regenerated."
)


# --- The portal's own refusals: nothing was sent to ECL -------------------------------------


class WriteLockUnavailable(ECLError):
    """The per-app write lock could not be taken because the shared cache is not answering."""

    code = "lock_unavailable"
    status = 503
    title = _("Changes cannot be made right now")
    message = _(
        "The change was not sent to ECL: the portal cannot make sure that nobody changes this "
        "app at the same moment, because its shared cache is not answering. Nothing was "
        "changed; try again in a moment."
    )


class WriteInProgress(ECLError):
    """Another change of the same app held its write lock for the whole time budget."""

    code = "write_in_progress"
    status = 409
    title = _("Another change is under way")
    message = _(
        "Another change to this app was still under way and did not finish in time. Nothing "
        "was changed; look at the app, then try again."
    )


class AuditUnavailable(ECLError):
    """The audit event of a write could not be written before the write: it is not sent."""

    code = "audit_unavailable"
    status = 503
    title = _("Changes cannot be recorded right now")
    message = _(
        "The portal cannot record this change in its audit log right now (its database is not "
        "answering), so it did not send it to ECL. Nothing was changed; try again in a moment."
    )


class JustRenewed(ECLError):
    """A renewal that came while another renewal of the same key was made: not sent, since the
    key shown to the other person would then no longer be in force."""

    code = "secretkey_just_renewed"
    status = 409
    title = _("The secret key was just regenerated")
    retry = False

    def __init__(self, by: str, at: datetime) -> None:
        self.by, self.at = by, at
        super().__init__(
            format_lazy(
                _(
                    "The secret key of this app was regenerated by {user} at {time}, after you "
                    "asked for it: the key in force is that one, and yours was not made. "
                    "Nothing was changed. Reveal the key, or regenerate it again if you still "
                    "need a new one."
                ),
                user=by or "—",
                time=timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S"),
            )
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
