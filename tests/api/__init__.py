"""The REST API: endpoints, authentication, errors, schema, compatibility with ECL scripts."""
