"""Settings for the test suite: the real settings, with a fixed secret and fast password hashing."""

import os

# The developer's .env (`make run` writes one with DEBUG=on) is never read by the tests.
os.environ["PORTAL_ENV_FILE"] = os.devnull
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "q2Qm0gq0VJ1i0bJm2H9pQ6nX7R5yE3tK8uW4sZ1aC0M=")
# The emulator the tests start listens on a free port of the loopback address.
os.environ.setdefault("ECL_ALLOWED_ENDPOINTS", "http://127.0.0.1:*")

from portal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# `make run`'s commands are tested too; production (portal.settings) never installs them.
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]  # noqa: F405

# The tests run in one process: its local-memory cache carries every change of access.
IDENTITY_CACHE = "on"

# The manifest storage needs `collectstatic` first; tests render templates without it.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests serve static files through the finders; there is no collected STATIC_ROOT to warn about.
STATIC_ROOT = None
