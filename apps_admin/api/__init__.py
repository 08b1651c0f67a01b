"""The REST API: the ECL apps API's paths under /api, under each user's own token."""
