"""ECL's own words from an error answer in whatever shape it comes: the contract's nested JSON,
a flat `message`, `error` as text, `detail`, `errors[]`, plain text or a gateway's HTML page."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from apps_admin.ecl import tolerant_json

MAX_LENGTH = 300  # a gateway's page can be long; a person needs its first words
_KEYS = ("message", "error", "detail", "title", "description", "errors", "error_description")


def upstream_text(body: bytes, content_type: str = "") -> str:
    """The error text of `body`, on one line and at most MAX_LENGTH characters ("" if none);
    a lone surrogate in it is U+FFFD."""
    text = tolerant_json.without_bom(body).decode("utf-8", "replace").strip()
    if not text:
        return ""
    if "html" in content_type.lower() or text.startswith("<"):
        found = _html_text(text)
    else:
        try:
            found = _json_text(tolerant_json.loads(body))
        except ValueError:  # NotJSON
            found = text
    return _one_line(tolerant_json.clean_text(found))


def _json_text(data: Any, depth: int = 0) -> str:
    if depth > 4:
        return ""
    if isinstance(data, str):
        return data
    if isinstance(data, list):
        return "; ".join(filter(None, (_json_text(item, depth + 1) for item in data)))
    if isinstance(data, dict):
        for key in _KEYS:
            if key in data:
                found = _json_text(data[key], depth + 1)
                if found:
                    return found
    return ""


class _VisibleText(HTMLParser):
    """The title and the visible text of a page (no scripts or styles)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title: list[str] = []
        self.text: list[str] = []
        self._inside: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self._inside.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._inside:
            del self._inside[len(self._inside) - 1 - self._inside[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        if "script" in self._inside or "style" in self._inside:
            return
        (self.title if "title" in self._inside else self.text).append(data)


def _html_text(page: str) -> str:
    parser = _VisibleText()
    parser.feed(page)
    parser.close()
    title, text = _one_line(" ".join(parser.title)), _one_line(" ".join(parser.text))
    if text.startswith(title):
        return text  # the heading usually repeats the title
    return f"{title}: {text}" if title and text else title or text


def _one_line(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= MAX_LENGTH else text[: MAX_LENGTH - 1] + "…"
