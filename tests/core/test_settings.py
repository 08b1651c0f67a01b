"""The settings rules of portal/settings.py, each checked in a fresh interpreter."""

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT

# slow: each test starts an interpreter; one copies the project and runs pytest there
pytestmark = pytest.mark.slow

PRINT_SETTINGS = """
import json, django
from django.conf import settings
from django.core.management import get_commands
django.setup()
print(json.dumps({
    "INSTALLED_APPS": settings.INSTALLED_APPS,
    "DEMO_COMMANDS": sorted({"rundemo", "demo_superuser", "demo_members"} & set(get_commands())),
    "DEBUG": settings.DEBUG,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "CACHES": settings.CACHES,
    "DATABASE_ENGINE": settings.DATABASES["default"]["ENGINE"],
    "DATABASE_NAME": str(settings.DATABASES["default"]["NAME"]),
    "TIME_ZONE": settings.TIME_ZONE,
    "ECL_CONNECT_TIMEOUT": settings.ECL_CONNECT_TIMEOUT,
    "ECL_TIMEOUT": settings.ECL_TIMEOUT,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SECURE_PROXY_SSL_HEADER": getattr(settings, "SECURE_PROXY_SSL_HEADER", None),
    "LOG_LEVEL": settings.LOGGING["root"]["level"],
}))
"""


def run_settings(**variables: str) -> subprocess.CompletedProcess:
    """Import portal.settings in a new interpreter with only the given variables set."""
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PORTAL_ENV_FILE": os.devnull,  # a developer's .env must not leak into these checks
        **variables,
    }
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_with(**variables: str) -> dict:
    result = run_settings(SECRET_KEY="x" * 50, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_process_refuses_to_start_without_secret_key_when_debug_is_off():
    result = run_settings()
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "SECRET_KEY" in lines[0]
    assert "Traceback" not in result.stderr


def test_the_process_refuses_to_start_without_secret_key_even_in_debug():
    result = run_settings(DEBUG="on")
    assert result.returncode == 1
    assert "SECRET_KEY" in result.stderr


def test_defaults_are_safe_for_production():
    values = settings_with()
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]
    # `make run`'s supervisor and demo people are development tools, not shipped.
    assert "devtools" not in values["INSTALLED_APPS"] and values["DEMO_COMMANDS"] == []
    assert values["TIME_ZONE"] == "UTC"
    assert values["LOG_LEVEL"] == "INFO"
    assert values["ECL_CONNECT_TIMEOUT"] == 3.05
    assert values["ECL_TIMEOUT"] == 10.0


def test_default_database_is_sqlite_and_cache_is_local_memory():
    values = settings_with()
    assert values["DATABASE_ENGINE"] == "django.db.backends.sqlite3"
    assert values["DATABASE_NAME"].endswith("db.sqlite3")
    assert values["CACHES"]["default"]["BACKEND"] == (
        "django.core.cache.backends.locmem.LocMemCache"
    )


def test_redis_cache_url_gives_djangos_redis_cache_with_its_clients_reused():
    values = settings_with(CACHE_URL="redis://127.0.0.1:6379/1")
    cache = values["CACHES"]["default"]
    assert cache["BACKEND"] == "portal.redis_cache.ReusedClientRedisCache"
    assert cache["LOCATION"] == "redis://127.0.0.1:6379/1"


def test_database_url_selects_postgresql():
    values = settings_with(DATABASE_URL="postgres://postgres@127.0.0.1:5432/test")
    assert values["DATABASE_ENGINE"] == "django.db.backends.postgresql"
    assert values["DATABASE_NAME"] == "test"


def test_variables_override_defaults():
    values = settings_with(
        DEBUG="on",
        ALLOWED_HOSTS="portal.example.com,.example.org",
        TIME_ZONE="Asia/Tokyo",
        ECL_CONNECT_TIMEOUT="1.5",
        ECL_TIMEOUT="4",
        LOG_LEVEL="debug",
        TRUST_X_FORWARDED_PROTO="on",
    )
    assert values["DEBUG"] is True
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["ALLOWED_HOSTS"] == ["portal.example.com", ".example.org"]
    assert values["TIME_ZONE"] == "Asia/Tokyo"
    assert values["ECL_CONNECT_TIMEOUT"] == 1.5
    assert values["ECL_TIMEOUT"] == 4.0
    assert values["LOG_LEVEL"] == "DEBUG"
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_ssl_redirect_can_be_turned_off_explicitly():
    assert settings_with(SECURE_SSL_REDIRECT="off")["SECURE_SSL_REDIRECT"] is False


def test_dot_env_is_read_but_the_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("SECRET_KEY=from-dot-env-" + "y" * 40 + "\nTIME_ZONE=Europe/Berlin\n")
    result = run_settings(PORTAL_ENV_FILE=str(env_file), TIME_ZONE="Asia/Tokyo")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["TIME_ZONE"] == "Asia/Tokyo"
    result = run_settings(PORTAL_ENV_FILE=str(env_file))
    assert json.loads(result.stdout)["TIME_ZONE"] == "Europe/Berlin"


def test_the_tests_ignore_the_dot_env_that_make_run_writes(tmp_path):
    """`make run` writes .env with DEBUG=on; the test settings must not read it. A copy of the
    project with such a .env runs the settings and a test that fails with DEBUG on."""
    import shutil

    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", ".env", "*.sqlite3", "__pycache__", ".*cache", "test-*", "staticfiles"
        ),
    )
    subprocess.run([sys.executable, "-m", "portal.make_env", ".env"], cwd=copy, check=True)
    assert "DEBUG=on" in (copy / ".env").read_text()
    environment = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "portal.settings_test"}
    shown = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=copy,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["DEBUG"] is False
    # The test that failed after `make run`, in that copy, with that .env beside it.
    test = (
        "tests/pages/test_i18n.py::"
        "test_the_switch_sets_the_remembered_cookie_and_the_next_page_is_japanese"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
        cwd=copy,
        env={**environment, "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:]
