"""Creates the demo superuser on first run and prints its password once."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the demo superuser `admin` with a random password, unless it exists."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username: str, **options) -> None:
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            self.stdout.write(f"Log in as {username!r} with the password printed on the first run.")
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created the demo superuser. Log in as {username!r} with password: {password}\n"
                "It is shown only this once; `python manage.py changepassword "
                f"{username}` sets a new one."
            )
        )
