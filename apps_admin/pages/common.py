"""What every tenant page's template needs: the tenant, what the user may do there, its URLs."""

from __future__ import annotations

from types import SimpleNamespace

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps_admin import ecl
from apps_admin.ecl.reading import reason
from apps_admin.models import Role, Tenant

# What each permission does (the permission names are ECL's and are never translated).
PERMISSION_HELP = {
    "TURN": _("Relays media through TURN servers when a direct connection fails. Billed per GB."),
    "SFU": _("Lets clients join SFU rooms (one upload, many viewers). Billed per GB."),
    "USER_LIST": _("Lets clients list every connected peer (listAllPeers)."),
    "PEER_AUTHENTICATION": _(
        "Clients must sign in with a credential made from the app's secret key; regenerating "
        "the key breaks them until they are redeployed."
    ),
    "RECORDING": _(
        "Records audio into your Google Cloud Storage bucket (needs a bucket name and a "
        "service account key)."
    ),
}


def app_label(app: ecl.AppSummary | SimpleNamespace) -> str:
    """How a page names an app: its description, else its id."""
    return app.description or gettext("App %(id)s") % {"id": app.id}


def app_url(tenant: Tenant, app_id: str, page: str = "app_detail") -> str:
    return reverse(f"apps_admin:{page}", args=[tenant.tenant_id, app_id])


def readable_part(app: ecl.UnreadableApp, app_id: str) -> SimpleNamespace:
    """What a page can show of an app ECL sent unreadably, under the names of `ecl.App`; its id
    is the one in the page's URL, which the user asked for."""
    shown = app.shown
    return SimpleNamespace(
        id=app_id,
        apikey="",
        description=app.description,
        domains=shown.get("domains", ()),
        permissions=shown.get("permissions", ()),
        status=shown.get("status", ""),
        unreadable=True,
    )


def unreadable_rows(tenant: Tenant, apps: list[ecl.UnreadableApp]) -> list[dict]:
    """The apps of a list ECL sent that could not be read, as rows: id, description, why, and a
    link to the app's page when its id can be put in a URL."""
    return [
        {
            "id": app.id,
            "description": app.description,
            "reason": reason(app),
            "url": app_url(tenant, app.id) if app.id and ecl.usable_app_id(app.id) else "",
        }
        for app in apps
    ]


def tenant_context(tenant: Tenant, role: Role, **extra) -> dict:
    apps_url = reverse("apps_admin:app_list", args=[tenant.tenant_id])
    return {
        "tenant": tenant,
        "role": role,
        "can_edit": role.allows(Role.EDITOR),
        "can_admin": role.allows(Role.ADMIN),
        "apps_url": apps_url,
        "usage_url": reverse("apps_admin:usage", args=[tenant.tenant_id]),
        **extra,
    }
