"""A second factor for the portal's own accounts: who needs one (LOCAL_MFA), who has one, and
checking a code from an authenticator app (TOTP) or a one-time recovery code. Passkeys are in
`passkeys.py`; the gate after a password sign-in in `second_factor_gate.py`.

Why pyotp and a model of our own rather than django-otp: django-otp's TOTP device keeps its seed
in clear in the database, and the portal keeps every secret encrypted with FIELD_ENCRYPTION_KEYS
(`crypto.py`). What is left is small: pyotp computes the codes (RFC 6238), and the device
remembers the last time step it accepted, so that a code seen over a shoulder or replayed from a
log is refused (RFC 6238 section 5.2).

People of the identity provider are never asked here: the provider's MFA is theirs
(OIDC_REQUIRE_MFA).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import pyotp
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from apps_admin.accounts.oidc.provider_users import is_provider_user
from apps_admin.models import Membership, Passkey, RecoveryCode, Role, TotpDevice

SESSION_KEY = "second_factor"  # "verified" or "not needed", for this session's sign-in
VERIFIED = "verified"
NOT_NEEDED = "not needed"
POLICIES = ("admins", "all", "off")
ISSUER = "SkyWay apps portal"
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # 32 letters: 5 bits each, no 0/o, 1/l
RECOVERY_LENGTH = 16  # 80 bits
# Wrong codes of one person before every code is refused for the rest of the window.
FAILURE_LIMIT = 5
FAILURE_WINDOW = 900  # seconds


# --- Who needs one, who has one ----------------------------------------------------------------


def is_admin(user: Any) -> bool:
    """A superuser, or an admin of at least one tenant (by hand or from groups)."""
    return user.is_superuser or Membership.objects.filter(user=user, role=Role.ADMIN).exists()


def required(user: Any) -> bool:
    """LOCAL_MFA says this local account must have a second factor."""
    if is_provider_user(user):
        return False
    policy = settings.LOCAL_MFA
    return policy == "all" or (policy == "admins" and is_admin(user))


def has_totp(user: Any) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed=True).exists()


def has_passkey(user: Any) -> bool:
    return Passkey.objects.filter(user=user).exists()


def enrolled(user: Any) -> bool:
    return has_totp(user) or has_passkey(user)


def asked(user: Any) -> bool:
    """Sign-in and the confirmation before a secret ask for a second factor."""
    return not is_provider_user(user) and (enrolled(user) or required(user))


def mark_verified(request: HttpRequest) -> None:
    request.session[SESSION_KEY] = VERIFIED


# --- Codes -------------------------------------------------------------------------------------


def normalized(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def verify_code(user: Any, code: str) -> str | None:
    """The kind of factor this code is ("totp" or "recovery code"), once; None when it is not
    one (a wrong code, a code already used, or too many wrong codes of late)."""
    code = normalized(code)
    if not code or too_many_failures(user):
        return None
    kind = None
    if code.isascii() and code.isdigit() and len(code) == 6 and _totp_accepts(user, code):
        kind = "totp"
    elif len(code) == RECOVERY_LENGTH and _recovery_code_accepts(user, code):
        kind = "recovery code"
    if kind is None:
        _count_failure(user)
    else:
        clear_failures(user)
    return kind


def _totp_accepts(user: Any, code: str) -> bool:
    device = TotpDevice.objects.filter(user=user, confirmed=True).first()
    return device is not None and accept_totp(device, code)


def accept_totp(device: TotpDevice, code: str) -> bool:
    """Whether `code` is the device's for this time step or one next to it (clock drift), and
    of a later step than the last accepted one; that step is then the last accepted one."""
    totp = pyotp.TOTP(device.secret)
    now = timezone.now()
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            # Atomic: of two requests with the same code, one updates the row.
            taken = (
                TotpDevice.objects.filter(pk=device.pk)
                .filter(Q(last_step__isnull=True) | Q(last_step__lt=step))
                .update(last_step=step, last_used_at=now)
            )
            return bool(taken)
    return False


def _recovery_code_accepts(user: Any, code: str) -> bool:
    used = RecoveryCode.objects.filter(
        user=user, digest=_digest(code), used_at__isnull=True
    ).update(used_at=timezone.now())
    return bool(used)


def _digest(code: str) -> str:
    return hashlib.sha256(normalized(code).encode()).hexdigest()


def new_recovery_codes(user: Any) -> list[str]:
    """Ten new one-time codes, replacing the old ones; shown once, kept only as digests."""
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODES)
    ]
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(
            RecoveryCode(user=user, digest=_digest(code)) for code in codes
        )
    return ["-".join(code[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4)) for code in codes]


def recovery_codes_left(user: Any) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def remove_totp(user: Any) -> None:
    TotpDevice.objects.filter(user=user).delete()


def remove_all(user: Any) -> list[str]:
    """Every second factor of `user` removed (an administrator's reset); what there was."""
    had = []
    with transaction.atomic():
        if TotpDevice.objects.filter(user=user).delete()[0]:
            had.append("authenticator app")
        passkeys = Passkey.objects.filter(user=user).delete()[0]
        if passkeys:
            had.append(f"{passkeys} passkey(s)")
        if RecoveryCode.objects.filter(user=user).delete()[0]:
            had.append("recovery codes")
    clear_failures(user)
    return had


# --- Wrong codes -------------------------------------------------------------------------------


def _failures_key(user: Any) -> str:
    return f"second-factor:failures:{user.pk}"


def _count_failure(user: Any) -> None:
    key = _failures_key(user)
    cache.add(key, 0, timeout=FAILURE_WINDOW)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=FAILURE_WINDOW)


def too_many_failures(user: Any) -> bool:
    return cache.get(_failures_key(user), 0) >= FAILURE_LIMIT


def clear_failures(user: Any) -> None:
    cache.delete(_failures_key(user))


def count_failure(user: Any) -> None:
    """A wrong second factor that is not a code (a passkey that did not verify)."""
    _count_failure(user)
