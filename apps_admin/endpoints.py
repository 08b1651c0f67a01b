"""Where a tenant's ECL secret and tokens may be sent: the region's own ECL hosts, or an origin
listed in ECL_ALLOWED_ENDPOINTS (such as the emulator's), never anything else.

An origin is `scheme://host[:port]`; `*` in place of the port allows any port of that host. Only
https is accepted unless the origin is listed with http. A URL with user info, a query or a
fragment is refused: each would change what is actually called.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

# The hosts ECL's regions use (ecl-contract.md §1); a tenant's default URLs are built on them.
ECL_HOST_SUFFIX = "-ecl.api.ntt.com"


def problem(url: str) -> str | None:
    """Why `url` may not be a tenant's identity or apps API URL, or None when it may."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return _("This is not a valid URL.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return _("A URL with a user name or password is not allowed.")
    if parts.query or parts.fragment or "?" in url or "#" in url:
        return _("A URL with a query (?) or a fragment (#) is not allowed.")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return _("Enter an https URL.")
    if _listed(parts.scheme, parts.hostname, port):
        return None
    if parts.scheme == "https" and _is_ecl(parts.hostname):
        return None
    if parts.scheme == "http":
        return _("Plain http is allowed only for an origin listed in ECL_ALLOWED_ENDPOINTS.")
    return _(
        "Only ECL's own hosts (*%(suffix)s) or an origin listed in ECL_ALLOWED_ENDPOINTS may "
        "receive this tenant's credentials."
    ) % {"suffix": ECL_HOST_SUFFIX}


def _is_ecl(host: str) -> bool:
    labels = host.lower().split(".")
    return (
        host.lower().endswith(ECL_HOST_SUFFIX)
        and len(labels) == 4
        and labels[0].startswith(("keystone-", "webrtc-"))
    )


def _listed(scheme: str, host: str, port: int | None) -> bool:
    default_port = 443 if scheme == "https" else 80
    for origin in settings.ECL_ALLOWED_ENDPOINTS:
        allowed_scheme, _sep, rest = origin.strip().partition("://")
        allowed_host, _sep, allowed_port = rest.rstrip("/").rpartition(":")
        if not allowed_host:  # no port given
            allowed_host, allowed_port = rest.rstrip("/"), str(default_port)
        if allowed_scheme.lower() != scheme or allowed_host.lower().strip("[]") != host.lower():
            continue
        if allowed_port == "*" or allowed_port == str(port or default_port):
            return True
    return False
