"""`make run`'s demo people: a viewer and an editor of the demo tenant, their passwords printed
once, so that a newcomer sees what each role sees. They live in the `devtools` app, which only
`make run` (portal.settings_dev) and the tests install."""

import io

import pytest
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
