"""`make run`: migrate, create the demo superuser, start the ECL emulator with its demo tenant,
register that tenant with a viewer, an editor and a year of usage history, and serve the portal
until Ctrl-C, which stops everything started here."""

import contextlib
import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps_admin.models import Tenant
from apps_admin.usage import history
from ecl_emulator.control import EmulatorControl


class Command(BaseCommand):
    help = "Set up the development database and serve the portal and the ECL emulator."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--emulator-port", type=int, default=8001)
        parser.add_argument(
            "--no-emulator",
            action="store_true",
            help="Serve only the portal, for tenants registered against the real ECL.",
        )

    def handle(self, *args, port: int, emulator_port: int, no_emulator: bool, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("demo_superuser")
        children: list[subprocess.Popen] = []
        # Ctrl-C, a closed terminal or a supervisor's SIGTERM: each stops everything started here
        # (a signal this process was started ignoring, as under `nohup`, stays ignored).
        for stop_signal in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            if signal.getsignal(stop_signal) is not signal.SIG_IGN:
                signal.signal(stop_signal, _interrupt)
        try:
            if not no_emulator:
                emulator, demo = self._start_emulator(emulator_port)
                children.append(emulator)
                _allow(f"http://127.0.0.1:{emulator_port}")
                self._register_demo_tenant(demo)
            self.stdout.write(
                self.style.SUCCESS(
                    f"\nThe portal is at http://127.0.0.1:{port}/ (Ctrl-C stops it)."
                )
            )
            children.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"],
                    start_new_session=True,
                )
            )
            for child in children:
                child.wait()
        except KeyboardInterrupt:
            pass
        finally:
            _stop(children)
        self.stdout.write("Stopped.")

    def _start_emulator(self, port: int) -> tuple[subprocess.Popen, dict[str, str]]:
        emulator = subprocess.Popen(
            [sys.executable, "-m", "ecl_emulator", "--demo", "--quiet", "--port", str(port)],
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        values: dict[str, str] = {}
        for line in emulator.stdout or ():  # a pipe: stdout=PIPE
            name, sep, value = line.strip().partition("=")
            if sep and name.startswith("ECL_"):
                values[name] = value
            if line.startswith("Press Ctrl-C"):
                break
        if "ECL_API_SECRET" not in values:
            emulator.wait()
            raise CommandError(
                f"The ECL emulator did not start on port {port}; is the port in use? "
                "Try `make run EMULATOR_PORT=8011`."
            )
        self.stdout.write(f"The ECL emulator is at {values['ECL_API_URL']}.")
        return emulator, values

    def _register_demo_tenant(self, demo: dict[str, str]) -> None:
        os.environ["ECL_API_SECRET"] = demo["ECL_API_SECRET"]
        try:
            call_command(
                "tenant_add",
                name="Demo tenant (emulator)",
                tenant_id=demo["ECL_TENANT_ID"],
                identity_url=demo["ECL_IDENTITY_URL"],
                api_url=demo["ECL_API_URL"],
                api_key=demo["ECL_API_KEY"],
            )
        finally:
            del os.environ["ECL_API_SECRET"]
        call_command("demo_members", demo["ECL_TENANT_ID"])
        _record_a_year(demo)


def _record_a_year(demo: dict[str, str]) -> None:
    """A year of usage history for the demo tenant: `record_usage` at the middle of each of the
    last 12 months of the emulator's clock, then now, as an hourly job would have."""
    control = EmulatorControl(demo["ECL_API_URL"])
    tenant = Tenant.objects.get(tenant_id=demo["ECL_TENANT_ID"])
    this_month = timezone.localdate().replace(day=1)
    try:
        for back in range(11, 0, -1):
            month = history.add_months(this_month, -back)
            control.set_config(now=f"{month:%Y-%m}-15T12:00:00+09:00")
            history.record(tenant)
    finally:
        control.set_config(now=None)
    history.record(tenant)


def _allow(origin: str) -> None:
    """Let the demo tenant point at the emulator, here and in the portal started below (the
    environment wins over .env), and nowhere else."""
    allowed = [*settings.ECL_ALLOWED_ENDPOINTS, origin]
    settings.ECL_ALLOWED_ENDPOINTS = allowed
    os.environ["ECL_ALLOWED_ENDPOINTS"] = ",".join(allowed)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def _stop(children: list[subprocess.Popen]) -> None:
    """Each child runs in its own process group (runserver's reloader is two processes): signal
    the group, so that nothing is left holding a port, even when SIGINT was ignored (`nohup`)."""
    for child in children:
        _signal_group(child, signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _signal_group(child, signal.SIGKILL)
            child.wait()


def _signal_group(child: subprocess.Popen, signal_number: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group is gone already
        os.killpg(child.pid, signal_number)
