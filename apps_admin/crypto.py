"""Encryption at rest for secrets kept in the database, with keys from FIELD_ENCRYPTION_KEYS."""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _


class SecretUndecryptable(Exception):
    """A stored secret that none of the configured keys decrypts."""


def _keys() -> MultiFernet:
    keys = settings.FIELD_ENCRYPTION_KEYS
    if not keys:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is not set: it needs at least one Fernet key "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())')."
        )
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from error


def encrypt(plaintext: str) -> str:
    return _keys().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _keys().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise SecretUndecryptable(
            _(
                "A stored secret cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS: "
                "add the key it was encrypted with, or enter the secret again."
            )
        ) from None


def reencrypt(ciphertext: str) -> str:
    """The same secret, encrypted with the first key (for key rotation)."""
    try:
        return _keys().rotate(ciphertext.encode()).decode()
    except InvalidToken:
        raise SecretUndecryptable(
            _("A stored secret cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS.")
        ) from None
