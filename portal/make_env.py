"""Writes a development `.env` with fresh secrets; `make run` calls it when `.env` is missing."""

import base64
import os
import secrets
import sys
from pathlib import Path


def fernet_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def development_env() -> str:
    # token_urlsafe never starts with "$", which django-environ would read as a reference.
    return (
        "# Written by `make run` for local development. Never use these values in production.\n"
        "DEBUG=on\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"FIELD_ENCRYPTION_KEYS={fernet_key()}\n"
    )


def main(path: str) -> None:
    target = Path(path)
    if target.exists():
        return
    target.write_text(development_env())
    target.chmod(0o600)
    print(f"Wrote {target} with a new SECRET_KEY and FIELD_ENCRYPTION_KEYS.")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".env")
