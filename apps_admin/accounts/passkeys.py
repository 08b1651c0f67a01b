"""Passkeys (WebAuthn) as a second factor, with py_webauthn (Duo Labs' `webauthn` package):
options for the browser, and the checks of what it answers (challenge, origin, relying party,
signature, user verification, sign count).

The relying party is the portal's own host name and the origin its own scheme, host and port,
as the request says (Django checks the host against ALLOWED_HOSTS first): a passkey made for the
portal signs for no other site, and an answer made for another origin is refused. The challenge
of each ceremony lives in the session and is used once.
"""

from __future__ import annotations

import json
from typing import Any

import webauthn
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from apps_admin.accounts import second_factor
from apps_admin.models import Passkey

CHALLENGE_KEY = "passkey_challenge"  # {"purpose": ..., "challenge": base64url}
RP_NAME = second_factor.ISSUER
MAX_ANSWER = 64 * 1024


class PasskeyRefused(Exception):
    """The browser's answer is not a valid passkey ceremony for this portal and person."""


def rp_id(request: HttpRequest) -> str:
    host = request.get_host()
    return host.rsplit(":", 1)[0] if not host.endswith("]") else host


def origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _descriptors(user: Any) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(id=webauthn.base64url_to_bytes(credential_id))
        for credential_id in Passkey.objects.filter(user=user).values_list(
            "credential_id", flat=True
        )
    ]


def _keep_challenge(request: HttpRequest, purpose: str, challenge: bytes) -> None:
    request.session[CHALLENGE_KEY] = {
        "purpose": purpose,
        "challenge": bytes_to_base64url(challenge),
    }


def _take_challenge(request: HttpRequest, purpose: str) -> bytes:
    kept = request.session.pop(CHALLENGE_KEY, None)
    if not isinstance(kept, dict) or kept.get("purpose") != purpose:
        raise PasskeyRefused("no passkey ceremony of this kind was started")
    return webauthn.base64url_to_bytes(kept["challenge"])


def _signed_in_user(request: HttpRequest) -> User:
    """The person a ceremony is for: passkeys are enrolled and checked only once signed in."""
    user = request.user
    if not user.is_authenticated:
        raise PermissionDenied
    return user


def registration_options(request: HttpRequest) -> str:
    user = _signed_in_user(request)
    options = webauthn.generate_registration_options(
        rp_id=rp_id(request),
        rp_name=RP_NAME,
        user_name=user.get_username(),
        user_id=str(user.pk).encode(),
        user_display_name=user.get_full_name() or user.get_username(),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=_descriptors(user),
    )
    _keep_challenge(request, "register", options.challenge)
    return webauthn.options_to_json(options)


def authentication_options(request: HttpRequest) -> str:
    options = webauthn.generate_authentication_options(
        rp_id=rp_id(request),
        allow_credentials=_descriptors(request.user),
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    _keep_challenge(request, "authenticate", options.challenge)
    return webauthn.options_to_json(options)


def _parsed(answer: str) -> dict[str, Any]:
    if not answer or len(answer) > MAX_ANSWER:
        raise PasskeyRefused("no answer from the browser")
    try:
        parsed = json.loads(answer)
    except ValueError:
        raise PasskeyRefused("the browser's answer is not JSON") from None
    if not isinstance(parsed, dict):
        raise PasskeyRefused("the browser's answer is not an object")
    return parsed


def register(request: HttpRequest, name: str, answer: str) -> Passkey:
    """Check the browser's new credential and keep it as the person's passkey `name`."""
    challenge = _take_challenge(request, "register")
    try:
        verified = webauthn.verify_registration_response(
            credential=_parsed(answer),
            expected_challenge=challenge,
            expected_rp_id=rp_id(request),
            expected_origin=origin(request),
            require_user_verification=True,
        )
    except (WebAuthnException, KeyError, TypeError, ValueError) as error:
        raise PasskeyRefused(str(error)) from None
    credential_id = bytes_to_base64url(verified.credential_id)
    if Passkey.objects.filter(credential_id=credential_id).exists():
        raise PasskeyRefused("this passkey is already registered")
    return Passkey.objects.create(
        user=_signed_in_user(request),
        name=name,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
    )


def authenticate(request: HttpRequest, answer: str) -> Passkey:
    """Check the browser's assertion: one of the person's passkeys signed this ceremony."""
    challenge = _take_challenge(request, "authenticate")
    parsed = _parsed(answer)
    passkey = Passkey.objects.filter(
        user=_signed_in_user(request), credential_id=parsed.get("id")
    ).first()
    if passkey is None:
        raise PasskeyRefused("not one of your passkeys")
    try:
        verified = webauthn.verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp_id(request),
            expected_origin=origin(request),
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except (WebAuthnException, KeyError, TypeError, ValueError) as error:
        raise PasskeyRefused(str(error)) from None
    Passkey.objects.filter(pk=passkey.pk).update(
        sign_count=verified.new_sign_count, last_used_at=timezone.now()
    )
    return passkey


def count(user: Any) -> int:
    return Passkey.objects.filter(user=user).count()
