"""OpenAPI descriptions drf-spectacular cannot infer: the `X-Auth-Token` security scheme."""

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class XAuthTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps_admin.api.authentication.XAuthTokenAuthentication"
    name = "xAuthToken"
    priority = 1  # before drf-spectacular's scheme for TokenAuthentication, its parent class

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Auth-Token",
            "description": _("Your portal API token, in the header ECL scripts send."),
        }
