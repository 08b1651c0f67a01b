"""Django's database sessions, with a lost database connection told apart from a session deleted
meanwhile: Django answers both with a 400 ("the session was deleted"); a lost connection is
raised as itself instead, for `database_outage` to retry a read or answer 503."""

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError

from apps_admin.database_outage import CONNECTION_ERRORS


class SessionStore(db.SessionStore):
    def save(self, must_create: bool = False) -> None:
        try:
            super().save(must_create)
        except UpdateError as error:
            lost = error.__context__
            if isinstance(lost, CONNECTION_ERRORS):
                raise lost from None
            raise
