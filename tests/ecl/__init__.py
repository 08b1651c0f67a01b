"""The ECL service module (apps_admin.ecl): operations, errors, tokens, transport, budgets."""
