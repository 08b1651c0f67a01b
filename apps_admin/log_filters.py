"""Logging filters that keep secrets out of logs whatever the log level."""

import logging


class DropTemplateLookupFailures(logging.Filter):
    """Drops the template engine's DEBUG records about a variable it could not find.

    Their exception text holds the whole template context, and on the secret key pages that
    context holds the secret key; no log level may write it out.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exception = record.exc_info[1] if record.exc_info else None
        return type(exception).__name__ != "VariableDoesNotExist"
