"""Who signs in through the provider: the ID token checked (signature against the provider's
keys, issuer, audience, expiry, nonce), the user found by (issuer, sub) or created without a
password, and their roles set from their groups."""

from __future__ import annotations

import logging
import re
from typing import Any

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.utils import timezone
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from apps_admin import audit
from apps_admin.accounts.oidc import groups, provider, suspension
from apps_admin.identity_cache import HeldUsers
from apps_admin.models import ProviderIdentity

logger = logging.getLogger(__name__)
LEEWAY = 30  # seconds of clock difference allowed with the provider


class ProviderBackend(HeldUsers, OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, with the endpoints read from discovery only when a sign-in
    needs them (never for a request of a signed-in user), and the session's user held per
    process (identity_cache.py)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.UserModel = get_user_model()
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None

    get_settings = staticmethod(provider.setting)

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:  # the library reads these names
        return provider.setting("OIDC_OP_TOKEN_ENDPOINT")

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str:
        return provider.setting("OIDC_OP_USER_ENDPOINT")

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:
        return provider.setting("OIDC_OP_JWKS_ENDPOINT")

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        """The library checks the signature and the nonce only; the issuer, the audience, the
        expiry and `sub` are checked here too."""
        key = self.retrieve_matching_jwk(token)
        header = jwt.get_unverified_header(token)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("ID token signed with another algorithm")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=provider.discovery()["issuer"],
                leeway=LEEWAY,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise SuspiciousOperation(f"ID token refused: {type(error).__name__}") from None
        if kwargs.get("nonce") != claims.get("nonce"):
            raise SuspiciousOperation("ID token refused: its nonce is not this sign-in's")
        self.request.oidc_claims = claims  # for the view: auth_time and amr of a fresh sign-in
        return claims

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload["sub"]:
            raise SuspiciousOperation("the userinfo answer is about someone else")
        claims = {**userinfo, **payload}
        with transaction.atomic():
            identity = (
                ProviderIdentity.objects.select_for_update()
                .select_related("user")
                .filter(issuer=payload["iss"], subject=payload["sub"])
                .first()
            )
            if identity is None:
                user = self._create(claims)
                identity = ProviderIdentity(
                    user=user, issuer=payload["iss"], subject=payload["sub"]
                )
            user = identity.user
            identity.groups = _groups(claims)
            identity.last_seen_at = timezone.now()
            identity.save()
            suspension.lift(self.request, identity)
            self._update(user, claims)
            if user.is_active:
                groups.sync(self.request, user, identity.groups)
        return user

    def _create(self, claims: dict[str, Any]):
        user = self.UserModel(username=_free_username(self.UserModel, claims))
        user.set_unusable_password()
        user.save()
        audit.record(
            self.request,
            "user.create",
            changes={"user": {"from": None, "to": user.get_username()}},
            user=user,
        )
        logger.info("created user %s at their first sign-in", user.get_username())
        return user

    def _update(self, user, claims: dict[str, Any]) -> None:
        fields = {
            "email": str(claims.get("email") or "")[:254],
            "first_name": str(claims.get("given_name") or "")[:150],
            "last_name": str(claims.get("family_name") or "")[:150],
        }
        changed = [name for name, value in fields.items() if getattr(user, name) != value]
        for name in changed:
            setattr(user, name, fields[name])
        if changed:
            user.save(update_fields=changed)


def _groups(claims: dict[str, Any]) -> list[str]:
    found = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    if isinstance(found, str):
        found = [found]
    return sorted({str(group) for group in found if isinstance(group, str | int)})


def _free_username(model, claims: dict[str, Any]) -> str:
    """The provider's preferred username (or the e-mail's local part), made unique: a name is
    only a label here, the account is found by `sub`."""
    wanted = str(claims.get("preferred_username") or claims.get("email") or claims["sub"])
    base = re.sub(r"[^\w.@+-]", "", wanted)[:140] or "user"
    name, number = base, 1
    while model.objects.filter(username__iexact=name).exists():
        number += 1
        name = f"{base}-{number}"
    return name
