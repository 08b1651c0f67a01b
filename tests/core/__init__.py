"""Core modules: input rules, app actions, audit, tenants, settings, healthz, the benchmark."""
