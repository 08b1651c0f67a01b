"""One way to page every list of the portal: Django's Paginator, and the links of one pager."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.utils.http import urlencode

PAGE_SIZE = 50


def page_of(rows: Sequence[Any], number: Any, per_page: int = PAGE_SIZE) -> Page:
    """One page of `rows`; a number past the end (or not a number) shows the nearest page."""
    return Paginator(rows, per_page).get_page(number)


def pager(page: Page, query: Mapping[str, str], param: str = "p") -> dict[str, Any]:
    """What `_pagination.html` shows: the page, and the query string of the previous and next
    pages, which keep every other parameter of this one (`query`, without the page's)."""

    def link(number: int) -> str:
        params = {**query, param: str(number)} if number > 1 else dict(query)
        return "?" + urlencode(params)

    return {
        "page": page,
        "previous_url": link(page.previous_page_number()) if page.has_previous() else "",
        "next_url": link(page.next_page_number()) if page.has_next() else "",
    }
