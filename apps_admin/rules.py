"""Input rules for an app's fields, shared by the pages and the API; checked before any ECL call.

Each `clean_*` function returns the normalised value or raises django's ValidationError with a
message in the user's terms, in the active language (they run inside a request).

The rules apply to what a person types, not to what ECL already holds: given `stored` (the value
at ECL), a value ECL accepted before (a domain with a port, a permission this portal does not
know, a long description) passes as it is, so that it never blocks a save of another field.

Patterns match whole values (`fullmatch`: `$` would also match before a final newline), no value
holds a line break or a control character, and every check is linear in its input: a list is
counted before anything else is done with it, and duplicates are found with a set.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

import msgspec
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps_admin.ecl.types import PERMISSIONS, STATUSES

DESCRIPTION_MAX = 128
DOMAIN_MAX = 255
# Domains of one app. ECL's reference names no limit; an app is used on a few origins, and 200
# keeps every check of a list in milliseconds (a value ECL already holds may have more).
DOMAINS_MAX = 200
PERMISSION_ITEMS_MAX = 100  # names in one permissions list, repeats included
SERVICE_ACCOUNT_KEY_MAX = 64 * 1024

_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
_BUCKET_CHARS = re.compile(r"[a-z0-9][a-z0-9._-]*[a-z0-9]")
_GOOGLE_LIKE = re.compile(r"g[o0][o0]gle")
# The codes of refusals that a value ECL already holds would pass (given as `stored`): only
# these are worth reading the app at ECL for before refusing (the API's update).
MAY_BE_HELD_AT_ECL = frozenset(
    {"max_length", "invalid_text", "invalid_domain", "invalid_choice", "invalid_bucket"}
)
# Line breaks and control characters (C0, DEL, C1, the Unicode line and paragraph separators).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _has_control(text: str) -> bool:
    return _CONTROL.search(text) is not None


def clean_description(value: object, stored: str | None = None) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(_("Enter the description as text."), code="invalid")
    if stored is not None and value.strip() == stored.strip():
        return stored
    value = value.strip()
    if _has_control(value):
        raise ValidationError(
            _("The description is one line of text, without control characters."),
            code="invalid_text",
        )
    if len(value) > DESCRIPTION_MAX:
        raise ValidationError(
            _("The description can be at most %(max)d characters (it has %(count)d).")
            % {"max": DESCRIPTION_MAX, "count": len(value)},
            code="max_length",
        )
    return value


def _domain_problem(domain: str) -> str | None:
    if len(domain) > DOMAIN_MAX:
        return _("“%(domain)s…” is longer than %(max)d characters.") % {
            "domain": domain[:40],
            "max": DOMAIN_MAX,
        }
    if "://" in domain:
        return _("“%(domain)s” is a URL: enter only the host name, such as example.com.") % {
            "domain": domain
        }
    if "*" in domain:
        return _("“%(domain)s”: wildcards are not supported; list each host name.") % {
            "domain": domain
        }
    if "/" in domain:
        return _("“%(domain)s” has a path: enter only the host name, such as example.com.") % {
            "domain": domain
        }
    if ":" in domain:
        return _("“%(domain)s” has a port: enter only the host name, without “:port”.") % {
            "domain": domain
        }
    if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", domain):
        try:
            ipaddress.IPv4Address(domain)
        except ValueError:
            return _("“%(domain)s” is not a valid IPv4 address.") % {"domain": domain}
        return None
    if all(_LABEL.fullmatch(label) for label in domain.split(".")):
        return None
    return _(
        "“%(domain)s” is not a valid host name: use letters, digits and hyphens, "
        "in parts separated by dots."
    ) % {"domain": domain}


def clean_domains(value: object, stored: Iterable[str] = ()) -> list[str]:
    """Domains from a list or from text with one per line: trimmed, lower-cased, de-duplicated;
    one of the `stored` domains is kept as ECL holds it. At most DOMAINS_MAX (or as many as
    ECL holds), counted before any other check."""
    if value is None:
        return []
    stored = list(stored)
    limit = max(DOMAINS_MAX, len(stored))
    if isinstance(value, str):
        # Each domain takes a line: a text longer than `limit` longest lines is refused unread.
        if len(value) > limit * (DOMAIN_MAX + 2):
            raise _too_many_domains(limit)
        items: list[object] = [line for line in value.splitlines() if line.strip()]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ValidationError(_("Enter the domains as a list of host names."), code="invalid")
    if len(items) > limit:
        raise _too_many_domains(limit)
    kept = {domain.strip().lower(): domain for domain in stored}
    cleaned: list[str] = []
    seen: set[str] = set()
    problems = []
    for item in items:
        if not isinstance(item, str):
            raise ValidationError(_("Each domain must be text."), code="invalid")
        domain = item.strip().lower()
        if not domain:
            continue
        if _has_control(domain):  # ECL's own rule refuses it too: it can hold none
            message = _("A domain cannot hold a line break or a control character.")
            problems.append(ValidationError(message, code="invalid"))
            continue
        if domain in kept:
            domain = kept[domain]
        else:
            problem = _domain_problem(domain)
            if problem:
                problems.append(ValidationError(problem, code="invalid_domain"))
                continue
        if domain not in seen:
            seen.add(domain)
            cleaned.append(domain)
    if problems:
        raise ValidationError(problems)
    return cleaned


def _too_many_domains(limit: int) -> ValidationError:
    return ValidationError(
        _("An app can have at most %(max)d domains.") % {"max": limit}, code="too_many"
    )


def clean_permissions(value: object, stored: Iterable[str] = ()) -> list[str]:
    """Known permissions in ECL's order, then those of `stored` the portal does not know."""
    if value is None:
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(p, str) for p in value):
        raise ValidationError(_("Enter the permissions as a list of names."), code="invalid")
    if len(value) > PERMISSION_ITEMS_MAX:
        raise ValidationError(
            _("A permissions list has at most %(max)d names.") % {"max": PERMISSION_ITEMS_MAX},
            code="too_many",
        )
    asked = set(value)
    kept = [p for p in dict.fromkeys(stored) if p not in PERMISSIONS and p in asked]
    unknown = {p for p in asked if p not in PERMISSIONS} - set(kept)
    if any(_has_control(p) for p in unknown):
        raise ValidationError(
            _("A permission name cannot hold a line break or a control character."),
            code="invalid",
        )
    if unknown:
        raise ValidationError(
            _("Unknown permission: %(unknown)s. Choose from %(known)s.")
            % {"unknown": ", ".join(sorted(unknown)), "known": ", ".join(PERMISSIONS)},
            code="invalid_choice",
        )
    return [p for p in PERMISSIONS if p in asked] + kept  # ECL's order, each once


def clean_status(value: object, stored: str | None = None) -> str:
    if value == stored and isinstance(value, str):
        return value
    if value not in STATUSES:
        # The values are ECL's and stay as they are in every language.
        raise ValidationError(
            _("The status must be “active” or “suspended”."), code="invalid_choice"
        )
    return value  # type: ignore[return-value]


def clean_bucket_name(value: object, stored: str | None = None) -> str:
    """A Google Cloud Storage bucket name by Google's naming rules; empty means none."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(_("Enter the bucket name as text."), code="invalid")
    name = value.strip()
    if stored is not None and name == stored.strip():
        return stored
    if not name:
        return ""
    limit = 222 if "." in name else 63
    if not 3 <= len(name) <= limit:
        raise ValidationError(
            _("A bucket name has 3 to %(limit)d characters.") % {"limit": limit},
            code="invalid_bucket",
        )
    if not _BUCKET_CHARS.fullmatch(name):
        raise ValidationError(
            _(
                "A bucket name uses lower-case letters, digits, dashes, underscores and dots, and "
                "starts and ends with a letter or digit."
            ),
            code="invalid_bucket",
        )
    if any(not 1 <= len(part) <= 63 for part in name.split(".")):
        raise ValidationError(
            _("Each dot-separated part of a bucket name has 1 to 63 characters."),
            code="invalid_bucket",
        )
    if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name):
        raise ValidationError(_("A bucket name cannot be an IP address."), code="invalid_bucket")
    if name.startswith("goog") or _GOOGLE_LIKE.search(name):
        raise ValidationError(
            _("A bucket name cannot start with “goog” or contain “google”."), code="invalid_bucket"
        )
    return name


def clean_service_account_key(value: object) -> str:
    """A GCP service account key file: a JSON object of type service_account; empty means none.

    Returns compact JSON. Error messages never repeat the key's content.
    """
    if value is None:
        return ""
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(
                _("The service account key file is not UTF-8 text."), code="invalid_key"
            ) from None
    if isinstance(value, dict):
        data = value
    elif isinstance(value, str):
        if not value.strip():
            return ""
        if len(value) > SERVICE_ACCOUNT_KEY_MAX:
            raise ValidationError(
                _("The service account key is too large to be a key file."), code="invalid_key"
            )
        try:
            data = msgspec.json.decode(value)
        except ValueError:
            raise ValidationError(
                _(
                    "The service account key is not valid JSON: attach the key file downloaded "
                    "from Google Cloud."
                ),
                code="invalid_key",
            ) from None
    else:
        raise ValidationError(_("Enter the service account key as JSON text."), code="invalid_key")
    if not isinstance(data, dict) or data.get("type") != "service_account":
        raise ValidationError(
            _('This is not a service account key: its JSON must have "type": "service_account".'),
            code="invalid_key",
        )
    missing = [k for k in ("client_email", "private_key") if not isinstance(data.get(k), str)]
    if missing:
        # The names are the key file's JSON fields (client_email, private_key): never translated.
        if len(missing) == 2:
            message = _("The service account key lacks %(first)s and %(second)s.") % {
                "first": missing[0],
                "second": missing[1],
            }
        else:
            message = _("The service account key lacks %(field)s.") % {"field": missing[0]}
        raise ValidationError(message, code="invalid_key")
    return msgspec.json.encode(data).decode()
