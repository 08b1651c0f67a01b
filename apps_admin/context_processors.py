"""Template context shared by every page, so the portal and `/admin/` read as one site."""

from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    return {
        "site_header": "SkyWay apps portal",
        "site_title": "SkyWay apps portal",
        "has_permission": request.user.is_authenticated,
    }
