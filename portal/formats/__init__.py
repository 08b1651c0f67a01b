"""Date and time formats of the portal, per language (FORMAT_MODULE_PATH)."""
