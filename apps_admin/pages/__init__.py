"""The page layer: one module per area of the site (apps list, app, secret key, usage, audit log,
account), its forms, list table, chart, template filters and its one urls.py."""
