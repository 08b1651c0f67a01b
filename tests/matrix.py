"""The role matrix of the access rules, shared by the page and API matrix tests.

Each protected page or endpoint names the role it needs; `expected(actor, needed)` says what each
actor gets: anonymous is sent to log in (pages) or refused (API), a member of another tenant gets
404, a member with too low a role 403, and everyone else is allowed.
"""

from apps_admin.models import Role

ALLOWED = "allowed"


def expected(actor: str, needed: Role, *, anonymous: int) -> int | str:
    if actor == "anonymous":
        return anonymous
    if actor == "outsider":
        return 404
    if actor == "superuser":
        return ALLOWED
    return ALLOWED if Role(actor).allows(needed) else 403
