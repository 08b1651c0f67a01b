"""What every tenant page's template needs: the tenant, what the user may do there, its URLs."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps_admin import ecl
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


def app_label(app: ecl.AppSummary) -> str:
    """How a page names an app: its description, else its id."""
    return app.description or gettext("App %(id)s") % {"id": app.id}


def app_url(tenant: Tenant, app_id: str, page: str = "app_detail") -> str:
    return reverse(f"apps_admin:{page}", args=[tenant.tenant_id, app_id])


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
