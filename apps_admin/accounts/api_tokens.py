"""API tokens: made and shown once as `swp_<prefix>_<secret>`, kept only as a digest, revoked.

The prefix (10 letters and digits) is a public look-up id: the row is found by its unique index,
and only then is the SHA-256 digest of the secret part (32 random bytes, url-safe base64)
compared, with `hmac.compare_digest`. A fast hash is enough here: a slow password hash protects
guessable secrets, and 256 random bits are not guessable; it also keeps every API call cheap.

Why the standard library and not django-rest-knox: knox has one kind of token, with neither a
name nor a scope, one lifetime for all tokens from the settings, and its own login and logout URL
views. The portal needs a name, a scope and an expiry per token, made on its own page behind a
password confirmation; what is left to write is `secrets`, `hashlib` and `hmac`, below.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from apps_admin import audit
from apps_admin.models import TOKEN_DAYS_DEFAULT, TOKEN_DAYS_MAX, ApiToken, TokenScope

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TAG = "swp_"
PREFIX_LENGTH = 10
PREFIX_ALPHABET = string.ascii_letters + string.digits  # no "_": it separates the parts
SECRET_BYTES = 32
DAY_CHOICES = (30, 90, 180, 365)
# last_used_at is written at most this often per token, not on every request.
TOUCH_INTERVAL = timedelta(minutes=1)

# DRF's tokens, which the portal used before: 40 hexadecimal characters.
_OLD_FORMAT = re.compile(r"[0-9a-fA-F]{40}")
_PREFIX = re.compile(rf"[{re.escape(PREFIX_ALPHABET)}]{{{PREFIX_LENGTH}}}")


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_days(days: int) -> None:
    if not 1 <= days <= TOKEN_DAYS_MAX:
        raise ValueError(f"A token lasts from 1 to {TOKEN_DAYS_MAX} days, not {days}.")


def issue(
    user: User, *, name: str, scope: str, days: int = TOKEN_DAYS_DEFAULT
) -> tuple[ApiToken, str]:
    """A new token for `user` and its text, which exists nowhere else: show it once."""
    check_days(days)
    if scope not in TokenScope.values:
        raise ValueError(f"Unknown token scope {scope!r}.")
    name = name.strip()
    longest = ApiToken._meta.get_field("name").max_length
    if not name or (longest is not None and len(name) > longest):
        raise ValueError("A token's name is 1 to 100 characters.")
    secret = secrets.token_urlsafe(SECRET_BYTES)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=_unused_prefix(),
        digest=digest_of(secret),
        scope=scope,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    return token, f"{TAG}{token.prefix}_{secret}"


def _unused_prefix() -> str:
    # 62**10 prefixes: a second draw is already unlikely; the unique index has the last word.
    while True:
        prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
        if not ApiToken.objects.filter(prefix=prefix).exists():
            return prefix


def is_old_format(text: str) -> bool:
    """A token of the portal's former kind (DRF's), which is no longer accepted."""
    return _OLD_FORMAT.fullmatch(text) is not None


def find(text: str) -> ApiToken | None:
    """The token whose text this is (live or not), or None."""
    if not text.startswith(TAG):
        return None
    prefix, _sep, secret = text.removeprefix(TAG).partition("_")
    if not _PREFIX.fullmatch(prefix) or not secret:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__provider_identity")
        .filter(prefix=prefix)
        .first()
    )
    if token is None or not hmac.compare_digest(token.digest, digest_of(secret)):
        return None
    return token


def touch(token: ApiToken, now: datetime) -> None:
    """Note the token's use, unless that was noted less than TOUCH_INTERVAL ago."""
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_INTERVAL:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


def revoke(token: ApiToken) -> bool:
    """Revoke one token; False when it already was."""
    now = timezone.now()
    done = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    if done:
        token.revoked_at = now
    return bool(done)


def revoke_all(user: User) -> int:
    """Revoke every token of `user` not yet revoked; how many were."""
    live = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    return live.update(revoked_at=timezone.now())


def audit_fields(token: ApiToken) -> dict[str, str]:
    """What the audit log says of a token: whose, its name and scope (never its text)."""
    return {"user": token.user.get_username(), "name": token.name, "scope": token.scope}


def creation_changes(token: ApiToken) -> dict[str, dict[str, str | None]]:
    """The audit `changes` of a new token: its fields, with its expiry."""
    expires_at = token.expires_at.isoformat(timespec="seconds")
    return audit.changes_between({}, {**audit_fields(token), "expires_at": expires_at})


def revocation_changes(token: ApiToken) -> dict[str, dict[str, str | None]]:
    return audit.changes_between(audit_fields(token), {})
