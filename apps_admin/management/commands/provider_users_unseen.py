"""`manage.py provider_users_unseen --days 30`: portal users of the identity provider who have
not signed in there for N days (left the company? their access is worth a look)."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Q
from django.utils import timezone

from apps_admin.models import ProviderIdentity


class Command(BaseCommand):
    help = (
        "List portal users of the identity provider not seen there for N days, and those whose "
        "API tokens are suspended (refused by the provider at a session check)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=30, help="days without a sign-in")

    def handle(self, *args, days: int, **options) -> None:
        if days < 0:
            self.stderr.write("--days must be 0 or more.")
            raise SystemExit(2)
        since = timezone.now() - timedelta(days=days)
        unseen = (
            ProviderIdentity.objects.filter(
                Q(last_seen_at__lt=since) | Q(suspended_at__isnull=False)
            )
            .select_related("user")
            .order_by("last_seen_at")
        )
        for identity in unseen:
            user = identity.user
            state = "active" if user.is_active else "deactivated"
            if identity.suspended_at is not None:
                state += f", API tokens suspended since {identity.suspended_at:%Y-%m-%d %H:%M}"
            self.stdout.write(
                f"{user.get_username()}\t{identity.subject}\t"
                f"{identity.last_seen_at:%Y-%m-%d %H:%M}\t{state}"
            )
        self.stderr.write(
            f"{len(unseen)} user(s) not seen at the provider for {days} days or suspended."
        )
