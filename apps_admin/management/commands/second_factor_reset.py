"""`second_factor_reset USERNAME`: a person lost their phone or passkey; an administrator removes
every second factor of theirs (authenticator app, passkeys, recovery codes), audited as
`mfa.reset`. At their next sign-in they set up a new one (LOCAL_MFA) or may."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps_admin import audit
from apps_admin.accounts import second_factor


class Command(BaseCommand):
    help = (
        "Remove every second factor of USERNAME (authenticator app, passkeys, recovery codes) "
        "after checking who they are; the reset is written to the audit log."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        had = second_factor.remove_all(user)
        if not had:
            self.stdout.write(f"{username} has no second factor: nothing was changed.")
            return
        audit.record(
            None,
            "mfa.reset",
            changes={
                "user": {"from": None, "to": username},
                "factor": {"from": ", ".join(had), "to": None},
            },
            username="manage.py",
        )
        self.stdout.write(
            f"Removed {', '.join(had)} of {username}. They set up a new second factor at their "
            "next sign-in."
        )
