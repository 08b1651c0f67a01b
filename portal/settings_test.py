"""Settings for the test suite: the real settings, with a fixed secret and fast password hashing."""

import os
import tempfile
from pathlib import Path

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

# pytest-xdist runs the suite in several processes, "gw0", "gw1", ...; pytest-django gives each
# its own test database by adding that suffix to the name.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")

# SQLite: a test database in a file, not in memory. Django's in-memory test database is one
# shared cache, whose table locks fail at once ("database table is locked") where a file
# database waits its busy timeout, as the portal's real SQLite database does: the tests that
# write from two threads at once see what production would. The name is unique per process
# (two runs at once never share a file); Django deletes the file at the end of the run.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    _TEST_DB = Path(tempfile.gettempdir()) / f"portal-test-{os.getpid()}.sqlite3"
    DATABASES["default"]["TEST"] = {"NAME": str(_TEST_DB)}  # noqa: F405
    # No fsync at each commit: a test database need not survive a crash, and flushing the tables
    # after each transactional test stays as quick as in memory.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA synchronous=OFF"  # noqa: F405

# Redis: the workers may share one database; each keeps its keys under its own prefix, and the
# cache's clear() deletes only those (tests/worker_cache.py), never another worker's.
# (settings.py has already named the portal's own Redis backend for a redis:// CACHE_URL.)
if CACHES["default"]["BACKEND"] == "portal.redis_cache.ReusedClientRedisCache":  # noqa: F405
    CACHES["default"] = {  # noqa: F405
        **CACHES["default"],  # noqa: F405
        "BACKEND": "tests.worker_cache.WorkerRedisCache",
        "KEY_PREFIX": f"test-{WORKER}",
    }
