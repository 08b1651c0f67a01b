"""`api_token USERNAME [--name NAME] [--scope read|write|secrets] [--days N]`: make an API token.

The token is printed alone on the last line of stdout, for scripts: `... | tail -n 1`.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps_admin import audit
from apps_admin.accounts import api_tokens
from apps_admin.models import TOKEN_DAYS_DEFAULT, TOKEN_DAYS_MAX, TokenScope


class Command(BaseCommand):
    help = (
        "Make an API token for USERNAME and print it on the last line (it is shown only once). "
        "Scopes: read (GET only, the default), write (also changes apps), secrets (also secret "
        "keys)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="manage.py api_token", help="what it is for")
        parser.add_argument("--scope", default=TokenScope.READ.value, help="read, write, secrets")
        parser.add_argument(
            "--days",
            type=int,
            default=TOKEN_DAYS_DEFAULT,
            help=f"days until it expires, 1 to {TOKEN_DAYS_MAX} (default {TOKEN_DAYS_DEFAULT})",
        )

    def handle(self, *args, username: str, name: str, scope: str, days: int, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"{username!r} is deactivated.")
        if scope not in TokenScope.values:
            raise CommandError(f"Unknown scope {scope!r}: use read, write or secrets.")
        if not 1 <= days <= TOKEN_DAYS_MAX:
            raise CommandError(f"--days is from 1 to {TOKEN_DAYS_MAX}, not {days}.")
        try:
            token, text = api_tokens.issue(user, name=name, scope=scope, days=days)
        except ValueError as error:
            raise CommandError(str(error)) from None
        audit.record(
            None,
            "token.create",
            changes=api_tokens.creation_changes(token),
            username="manage.py",
        )
        self.stdout.write(
            f"API token {token.name!r} for {username}: scope {token.scope}, "
            f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC. It is not shown again:"
        )
        self.stdout.write(text)
