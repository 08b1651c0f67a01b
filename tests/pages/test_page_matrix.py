"""The role matrix over every page of the portal: who gets what, and that refusals cost nothing
upstream (no token, no API call)."""

import pytest

from apps_admin import ecl
from apps_admin.models import Role
from tests.helpers import ACTORS
from tests.matrix import ALLOWED, expected

pytestmark = pytest.mark.django_db

APPS = "/tenants/{tenant}/apps/"
APP = APPS + "{app}/"
FORM = {"description": "Matrix", "domains": "", "status": "active"}

# (name, method, path, role needed, status when allowed, POST data)
PAGES = [
    ("list", "get", APPS, Role.VIEWER, 200, None),
    ("list csv", "get", APPS + "export.csv", Role.VIEWER, 200, None),
    ("usage", "get", "/tenants/{tenant}/usage/", Role.VIEWER, 200, None),
    ("usage csv", "get", "/tenants/{tenant}/usage/export.csv", Role.VIEWER, 200, None),
    ("detail", "get", APP, Role.VIEWER, 200, None),
    ("add form", "get", APPS + "new/", Role.EDITOR, 200, None),
    ("add", "post", APPS + "new/", Role.EDITOR, 302, FORM),
    ("edit form", "get", APP + "edit/", Role.EDITOR, 200, None),
    # Without the form's snapshot nobody can tell what changed: the differences are asked about.
    ("edit", "post", APP + "edit/", Role.EDITOR, 409, FORM),
    (
        "suspend",
        "post",
        APP + "status/",
        Role.EDITOR,
        302,
        {"status": "suspended", "confirm": "yes"},
    ),
    ("delete confirmation", "get", APP + "delete/", Role.EDITOR, 200, None),
    ("delete", "post", APP + "delete/", Role.EDITOR, 302, {"app_id": "{app}"}),
    ("bulk confirmation", "post", APPS + "bulk/", Role.EDITOR, 200, {"action": "suspend"}),
    ("reveal confirmation", "get", APP + "secretkey/", Role.ADMIN, 200, None),
    ("reveal", "post", APP + "secretkey/", Role.ADMIN, 200, {}),
    ("regenerate confirmation", "get", APP + "secretkey/regenerate/", Role.ADMIN, 200, None),
    ("regenerate", "post", APP + "secretkey/regenerate/", Role.ADMIN, 200, {}),
]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    ("name", "method", "path", "needed", "allowed", "data"), PAGES, ids=[p[0] for p in PAGES]
)
def test_page_access(client_as, tenant, emulator, actor, name, method, path, needed, allowed, data):
    app_id = ecl.app_list(tenant)[0].id
    path = path.format(tenant=tenant.tenant_id, app=app_id)
    client = client_as(actor, reauthenticated=True)
    body = None
    if data is not None:
        body = {key: value.format(app=app_id) for key, value in data.items()}
        if name == "bulk confirmation":
            body["app"] = [app_id]
    emulator.reset_stats()
    response = (
        getattr(client, method)(path, body) if body is not None else getattr(client, method)(path)
    )
    want = expected(actor, needed, anonymous=302)
    if want == ALLOWED:
        assert response.status_code == allowed, response.content[:500]
        return
    assert response.status_code == want
    if want == 302:
        assert response["Location"].startswith("/login/")
    stats = emulator.stats()
    assert stats["api_calls"] == 0 and stats["auth_calls"] == 0, stats
