"""What a list's query string may ask for, read in one place for every list of the portal (apps,
usage, audit log, their CSV exports, the usage API): page number and size, sort key, search,
filters, month range and dates.

Numbers are ASCII digits only (`"²".isdigit()` is true, and `int("²")` raises), and every range
is bounded to what the portal can compute: months and dates in the years FIRST_YEAR to
LAST_YEAR, a range of at most LONGEST_RANGE months. A value that breaks these rules raises
ListingError, whose message says what to write instead: pages answer it with a 400 and the
message, the API with its JSON error. A sort key or a filter value the list does not know is
ignored instead, so that an old bookmark still opens.

The page number is `page` on every list; `p`, its name on the apps and usage lists before,
is still read, so old links keep working.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _

from apps_admin.usage.history import add_months, months_between

PAGE = "page"
OLD_PAGE = "p"
SIZE = "n"
PAGE_SIZES = (25, 50, 100, 200)
PAGE_SIZE = 50
PAGE_MAX = 1_000_000  # a page past the last shows the last one; a number past this is an error
SEARCH_MAX = 200  # characters of a search kept
FIRST_YEAR, LAST_YEAR = 2000, 2999
LONGEST_RANGE = 60  # months one page or answer covers


class ListingError(ValueError):
    """A query value a list cannot use; `field` names the parameter, the message says why."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def digits(text: str) -> bool:
    """ASCII digits only, at least one (`str.isdigit` also takes `²` and `٣`)."""
    return text.isascii() and text.isdigit()


def page_number(params: Mapping[str, str]) -> int:
    """The page asked for (1 when none): a whole number from 1."""
    name = PAGE if params.get(PAGE) not in (None, "") else OLD_PAGE
    text = (params.get(name) or "").strip()
    if not text:
        return 1
    if not digits(text) or len(text) > 8 or not 1 <= int(text) <= PAGE_MAX:
        raise ListingError(
            _("A page number is a whole number from 1, written with the digits 0-9."), name
        )
    return int(text)


def page_size(params: Mapping[str, str]) -> int:
    """The page size asked for (PAGE_SIZE when none): one of PAGE_SIZES."""
    text = (params.get(SIZE) or "").strip()
    if not text:
        return PAGE_SIZE
    if not digits(text) or len(text) > 3 or int(text) not in PAGE_SIZES:
        sizes = ", ".join(map(str, PAGE_SIZES))
        raise ListingError(_("A page shows %(sizes)s rows.") % {"sizes": sizes}, SIZE)
    return int(text)


def search(params: Mapping[str, str], name: str = "q") -> str:
    """The search words, white space folded, at most SEARCH_MAX characters."""
    return " ".join((params.get(name) or "").split())[:SEARCH_MAX]


def choice(params: Mapping[str, str], name: str, choices: Collection[str]) -> str:
    """One of `choices`, or "" (any) for a value the list does not know."""
    value = params.get(name) or ""
    return value if value in choices else ""


def order(params: Mapping[str, str], keys: Collection[str], default: str = "") -> str:
    """A sort key of `keys`, `-` first for descending; `default` for one the list does not
    know."""
    value = (params.get("o") or "").strip()
    return value if value.removeprefix("-") in keys else default


# --- Months: the usage page, its CSV and the usage API ---------------------------------------


def parse_month(text: str) -> date | None:
    """`2026-01` as the first day of that month, for years FIRST_YEAR to LAST_YEAR; None for
    anything else."""
    year, dash, number = text.strip().partition("-")
    if not (dash and len(year) == 4 and digits(year) and len(number) == 2 and digits(number)):
        return None
    if not 1 <= int(number) <= 12 or not FIRST_YEAR <= int(year) <= LAST_YEAR:
        return None
    return date(int(year), int(number), 1)


def month_range(
    first: str | None, last: str | None, today: date | None = None
) -> tuple[date, date]:
    """The months `?from=YYYY-MM&to=YYYY-MM` asks for: by default the last 12, this one
    included; either end alone extends 12 months from it. Raises ListingError."""
    this_month = (today or timezone.localdate()).replace(day=1)
    start = parse_month(first) if first else None
    end = parse_month(last) if last else None
    for text, month, end_name in ((first, start, "from"), (last, end, "to")):
        if text and month is None:
            message = _(
                "Months are written YYYY-MM with the digits 0-9, from %(first)s-01 to "
                "%(last)s-12, for example 2026-01."
            ) % {"first": FIRST_YEAR, "last": LAST_YEAR}
            raise ListingError(message, end_name)
    if start is None:
        end = end or min(this_month, date(LAST_YEAR, 12, 1))
        start = add_months(end, -11)
    elif end is None:
        end = min(add_months(start, 11), max(start, this_month))
    if start > end:
        raise ListingError(_("The first month comes after the last."), "to")
    if len(months_between(start, end)) > LONGEST_RANGE:
        raise ListingError(
            _("A range covers at most %(count)d months.") % {"count": LONGEST_RANGE}, "from"
        )
    return start, end


# --- Dates: the audit log's filter ----------------------------------------------------------


def parse_day(text: str, field: str) -> date | None:
    """`2026-01-31` (None when empty), for years FIRST_YEAR to LAST_YEAR: the first and the
    last moment of such a day exist in any TIME_ZONE (0001-01-01 in Tokyo starts before the
    first moment Python can hold in UTC)."""
    text = text.strip()
    if not text:
        return None
    parts = text.split("-")
    shaped = len(parts) == 3 and [len(part) for part in parts] == [4, 2, 2]
    try:
        if not (shaped and all(digits(part) for part in parts)):
            raise ValueError(text)
        day = date(*map(int, parts))
    except ValueError:
        day = None
    if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ListingError(
            _(
                "Dates are written YYYY-MM-DD with the digits 0-9, from %(first)s-01-01 to "
                "%(last)s-12-31."
            )
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            field,
        )
    return day


def day_starts(day: date) -> datetime:
    """The first moment of `day` in TIME_ZONE."""
    return datetime.combine(day, time.min, timezone.get_current_timezone())


def day_ends(day: date) -> datetime:
    """The last moment of `day` in TIME_ZONE."""
    return datetime.combine(day, time.max, timezone.get_current_timezone())
