"""The API's JSON parser: bounded in size and nesting, and refusing a lone surrogate by field.

DRF's own parser reads a body of any size and recurses once per level of nesting (a body nested
100,000 deep was a RecursionError, a 500). This one reads at most API_MAX_BODY_BYTES (a 413
past it), counts the nesting without recursing (a 400 past MAX_DEPTH), then reads the JSON as
DRF does (NaN and Infinity refused) and refuses any string, key or value, that holds a lone
surrogate (`"\\ud800"`): no rule or ECL call ever sees one, and the 400 names the field.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

from apps_admin.ecl.tolerant_json import clean_text, has_lone_surrogate, nesting

MAX_DEPTH = 32  # levels of nesting in a request body (an app's fields need 3)


class BodyTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "request_too_large"


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH", "") if request is not None else ""
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise _too_large(limit)
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise _too_large(limit)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.ParseError(_("The request body is not UTF-8 text.")) from None
        if nesting(text) > MAX_DEPTH:
            raise exceptions.ParseError(
                _("The JSON is nested deeper than %(max)d levels.") % {"max": MAX_DEPTH}
            )
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as error:
            message = _("The request body is not valid JSON: %(error)s") % {"error": error}
            raise exceptions.ParseError(message) from None
        field = _field_with_lone_surrogate(data)
        if field is not None:
            message = _(
                "It holds a lone surrogate (an escape such as \\ud800 without its pair), which "
                "is not text."
            )
            raise exceptions.ValidationError({field: [message]})
        return data


def _too_large(limit: int) -> BodyTooLarge:
    return BodyTooLarge(_("The request body is larger than %(max)d bytes.") % {"max": limit})


def _refuse_constant(name: str) -> Any:
    raise ValueError(_("%(name)s is not a JSON value") % {"name": name})


def _field_with_lone_surrogate(data: Any) -> str | None:
    """The field (a top-level key) whose value holds a lone surrogate anywhere, or
    `non_field_errors` for a body that is not an object."""
    if isinstance(data, dict):
        for key, value in data.items():
            if has_lone_surrogate(key) or _holds_lone_surrogate(value):
                return clean_text(key)
        return None
    return "non_field_errors" if _holds_lone_surrogate(data) else None


def _holds_lone_surrogate(value: Any) -> bool:
    # Without recursion: the nesting is bounded, but a list may be long.
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if has_lone_surrogate(item):
                return True
        elif isinstance(item, dict):
            if any(has_lone_surrogate(key) for key in item):
                return True
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False
