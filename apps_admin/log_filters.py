"""Logging filters and the formatter: secrets stay out of logs whatever the log level, and each
record is one line."""

import logging
import re


class DropTemplateLookupFailures(logging.Filter):
    """Drops the template engine's DEBUG records about a variable it could not find.

    Their exception text holds the whole template context, and on the secret key pages that
    context holds the secret key; no log level may write it out.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exception = record.exc_info[1] if record.exc_info else None
        return type(exception).__name__ != "VariableDoesNotExist"


_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


def single_line(text: str) -> str:
    """`text` with every control character written as an escape (a newline as `\\n`)."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class SingleLineFormatter(logging.Formatter):
    """A log record is one line: a path or a user name holding an (encoded) newline cannot
    start a line of its own. A traceback, which our code writes, keeps its lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = single_line(record.message)
        return super().formatMessage(record)
