"""`X-Auth-Token: <key>`: a portal API token in the header ECL scripts already send."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

HEADER = "X-Auth-Token"


class XAuthTokenAuthentication(TokenAuthentication):
    """The same tokens as `Authorization: Token <key>`, read from ECL's `X-Auth-Token` header, so
    a script written for ECL needs only a new base URL and token."""

    def authenticate(self, request):
        key = request.META.get("HTTP_X_AUTH_TOKEN")
        if key is None:
            return None
        key = key.strip()
        if not key or any(char.isspace() for char in key):
            raise exceptions.AuthenticationFailed(
                _("Invalid %(header)s header: send one token.") % {"header": HEADER}
            )
        return self.authenticate_credentials(key)
