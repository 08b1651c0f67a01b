"""Sign-in with the company's identity provider (OpenID Connect), on mozilla-django-oidc:
`provider` reads the issuer's discovery document, `backend` checks the ID token and finds or
creates the user by `sub`, `groups` sets tenant roles from the provider's groups, `views` starts
and finishes a sign-in (also the fresh one before a secret) and signs out at the provider too,
`provider_users` tells who signs in there and links to a fresh sign-in (for the pages too).
"""
