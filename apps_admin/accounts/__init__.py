"""People's accounts and signing in: API tokens, the password confirmation before secrets
(`reauth`), the ceiling on failed sign-ins per username, local passwords, the receivers of
Django's account signals, and sign-in through the company's identity provider (`oidc/`).

Beside the tenancy core, below the page and API layers: nothing here imports from them."""
