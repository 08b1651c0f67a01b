"""One way to page every list of the portal: Django's Paginator, a page size the person chooses
(kept in the query string), and the links of one pager shown above and below the table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.utils.http import urlencode

from apps_admin.listing import OLD_PAGE, PAGE, PAGE_SIZE, PAGE_SIZES, SIZE

__all__ = ["PAGE_SIZE", "PAGE_SIZES", "Link", "Pager", "page_of", "pager"]

WINDOW = 2  # numbered links on each side of the current page


def page_of(rows: Sequence[Any], number: int, per_page: int = PAGE_SIZE) -> Page:
    """One page of `rows` (the number and size read by `listing`); a number past the end shows
    the last page."""
    return Paginator(rows, per_page).get_page(number)


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    current: bool = False


@dataclass(frozen=True)
class Pager:
    """What `_pagination.html` shows: where this page is, links to the others, page sizes."""

    page: Page
    first_url: str = ""
    previous_url: str = ""
    next_url: str = ""
    last_url: str = ""
    numbers: list[Link | None] = field(default_factory=list)  # None: a gap ("…")
    sizes: list[Link] = field(default_factory=list)

    @property
    def count(self) -> int:
        return self.page.paginator.count


def pager(
    page: Page, query: Mapping[str, str], *, param: str = PAGE, size_param: str = SIZE
) -> Pager:
    """The pager of `page`; its links keep every other parameter of this view (`query`, without
    the page number, under either of its names) and the page size."""
    size = page.paginator.per_page
    base = {k: v for k, v in query.items() if k not in (param, OLD_PAGE, size_param)}
    if size != PAGE_SIZE:
        base[size_param] = str(size)

    def url(number: int, params: Mapping[str, str] = base) -> str:
        chosen = {**params, param: str(number)} if number > 1 else dict(params)
        return "?" + urlencode(chosen)

    last = page.paginator.num_pages
    numbers: list[Link | None] = []
    before = 0
    for number in sorted({1, last, *range(page.number - WINDOW, page.number + WINDOW + 1)}):
        if not 1 <= number <= last:
            continue
        if before and number > before + 1:
            numbers.append(None)
        numbers.append(Link(str(number), url(number), number == page.number))
        before = number
    unsized = {k: v for k, v in base.items() if k != size_param}
    sizes = [
        Link(str(choice), url(1, {**unsized, size_param: str(choice)}), choice == size)
        if choice != PAGE_SIZE
        else Link(str(choice), url(1, unsized), choice == size)
        for choice in PAGE_SIZES
    ]
    return Pager(
        page=page,
        first_url=url(1) if page.number > 1 else "",
        previous_url=url(page.number - 1) if page.has_previous() else "",
        next_url=url(page.number + 1) if page.has_next() else "",
        last_url=url(last) if page.number < last else "",
        numbers=numbers if last > 1 else [],
        sizes=sizes,
    )
