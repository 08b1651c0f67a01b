"""OpenAPI descriptions drf-spectacular cannot infer: the `X-Auth-Token` security scheme."""

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
            "description": "Your portal API token, in the header ECL scripts send.",
        }
