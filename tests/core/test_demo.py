"""`make run`'s demo people: a viewer and an editor of the demo tenant, their passwords printed
once, so that a newcomer sees what each role sees. They live in the `devtools` app, which only
`make run` (portal.settings_dev) and the tests install."""

import base64
import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError

from apps_admin.models import Membership

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_the_demo_members_are_made_once_with_passwords_shown_once(tenant):
    out = io.StringIO()
    call_command("demo_members", tenant.tenant_id, stdout=out)
    text = out.getvalue()
    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert roles == {"viewer": "viewer", "editor": "editor"}
    for username in ("viewer", "editor"):
        password = text.split(f"Created '{username}'")[1].split("with password: ")[1].split()[0]
        user = User.objects.get(username=username)
        assert user.check_password(password)
    again = io.StringIO()
    call_command("demo_members", tenant.tenant_id, stdout=again)
    assert "password: " not in again.getvalue() and "printed on the first run" in again.getvalue()
    assert Membership.objects.count() == 2


def test_an_unknown_tenant_is_refused(db):
    with pytest.raises(CommandError, match="No tenant"):
        call_command("demo_members", "f" * 32)


def test_the_demo_tenant_comes_with_a_year_of_usage_history(tenant, emulator, emulator_server):
    from django.utils import timezone

    from apps_admin.models import UsageMonth
    from apps_admin.usage.history import add_months
    from devtools.management.commands.rundemo import _record_a_year

    demo = {"ECL_API_URL": emulator_server.control.api_url, "ECL_TENANT_ID": tenant.tenant_id}
    _record_a_year(demo)
    this_month = timezone.localdate().replace(day=1)
    months = set(UsageMonth.objects.filter(tenant=tenant).values_list("month", flat=True))
    # A run in each of the 11 months before this one (each reporting the month before it too),
    # and one now: this month and the 12 before it.
    assert months == {add_months(this_month, -back) for back in range(13)}
    assert emulator.config().get("now") is None  # the emulator's clock is the real one again


def test_only_make_run_and_the_tests_install_the_development_tools():
    import portal.settings as production
    import portal.settings_dev as make_run

    assert "devtools" not in production.INSTALLED_APPS
    assert "devtools" in make_run.INSTALLED_APPS and "devtools" in settings.INSTALLED_APPS
    commands = get_commands()
    assert {commands[name] for name in ("rundemo", "demo_superuser", "demo_members")} == {
        "devtools"
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.mark.slow
def test_make_run_stops_everything_it_started_on_sigterm_even_with_sigint_ignored(tmp_path):
    """Under a supervisor or `nohup`, SIGINT is ignored and SIGTERM is what arrives: the portal,
    runserver's reloader child and the emulator all stop, and their ports are free again."""
    port, emulator_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings_dev",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "SECRET_KEY": "a-test-only-secret-key-of-enough-length-0123456789",
        "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "CACHE_URL": "locmemcache://demo",
    }
    command = [sys.executable, "manage.py", "rundemo", "--port", str(port)]
    run = subprocess.Popen(
        [*command, "--emulator-port", str(emulator_port)],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not _answers(f"http://127.0.0.1:{port}/healthz"):
            assert run.poll() is None, "make run stopped before serving"
            assert time.monotonic() < deadline, "make run did not serve within 120 s"
            time.sleep(0.5)
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=30) == 0
        for used in (port, emulator_port):
            with socket.socket() as again:
                # SO_REUSEADDR lets a port in TIME_WAIT be bound, never one a process listens on.
                again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                again.bind(("127.0.0.1", used))  # raises if a child still holds the port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)  # what is left of a failed run
        run.wait()
