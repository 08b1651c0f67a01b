"""OpenAPI descriptions drf-spectacular cannot infer: the portal's two API token headers."""

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class AuthorizationTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps_admin.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _("Your portal API token, as `Token <token>`."),
        }


class XAuthTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps_admin.api.authentication.XAuthTokenAuthentication"
    name = "xAuthToken"
    priority = 1  # before the scheme of ApiTokenAuthentication, its parent class

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Auth-Token",
            "description": _("Your portal API token, in the header ECL scripts send."),
        }
