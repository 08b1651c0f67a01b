"""Security: access, sessions, CSRF, re-authentication, headers, caching, logs, secret leaks."""
