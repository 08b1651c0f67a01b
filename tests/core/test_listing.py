"""The one reading of every list's query string: ASCII digits only, bounded ranges, one page
parameter (the old one still read), a ListingError saying what to write instead."""

from datetime import date

import pytest
from django.test import override_settings

from apps_admin import listing
from apps_admin.listing import ListingError

TODAY = date(2026, 12, 15)


@pytest.mark.parametrize(
    ("params", "page"),
    [({}, 1), ({"page": ""}, 1), ({"page": "7"}, 7), ({"p": "3"}, 3), ({"page": "2", "p": "9"}, 2)],
)
def test_a_page_number_is_read_under_its_name_or_the_old_one(params, page):
    assert listing.page_number(params) == page


@pytest.mark.parametrize(
    "text", ["0", "-1", "x", "\u00b2", "\u0663", "\uff11", "1.5", "1e3", "123456789", " 1 2 "]
)
def test_a_page_number_that_is_no_whole_ascii_number_from_1_is_refused(text):
    with pytest.raises(ListingError) as raised:
        listing.page_number({"page": text})
    assert raised.value.field == "page"
    assert "digits 0-9" in str(raised.value)


@pytest.mark.parametrize(("text", "size"), [("", 50), ("25", 25), ("200", 200)])
def test_a_page_size_is_one_of_the_sizes(text, size):
    assert listing.page_size({"n": text}) == size


@pytest.mark.parametrize("text", ["7", "0", "\u00b2\u2075", "2000000", "x"])
def test_any_other_page_size_is_refused_naming_the_sizes(text):
    with pytest.raises(ListingError, match="25, 50, 100, 200"):
        listing.page_size({"n": text})


def test_unknown_choices_and_sort_keys_are_ignored_so_old_bookmarks_open():
    assert listing.choice({"status": "frozen"}, "status", ("active",)) == ""
    assert listing.order({"o": "-m2026-01"}, {"m2026-01"}) == "-m2026-01"
    assert listing.order({"o": "--id"}, {"id"}, "-total") == "-total"
    assert listing.order({"o": "secret"}, {"id"}, "") == ""
    assert listing.search({"q": "  a \n b " + "x" * 300}) == ("a b " + "x" * 300)[:200]


@pytest.mark.parametrize(
    ("first", "last", "months"),
    [
        (None, None, (date(2026, 1, 1), date(2026, 12, 1))),
        ("2999-12", None, (date(2999, 12, 1), date(2999, 12, 1))),
        (None, "2000-01", (date(1999, 2, 1), date(2000, 1, 1))),
        ("2000-01", "2004-12", (date(2000, 1, 1), date(2004, 12, 1))),
    ],
)
def test_months_run_from_2000_to_2999(first, last, months):
    assert listing.month_range(first, last, TODAY) == months


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        ("\u00b2\u00b2\u00b2\u00b2-01", None, "from"),
        ("9999-12", None, "from"),
        (None, "9999-12", "to"),
        ("1999-12", None, "from"),
        ("3000-01", None, "from"),
        ("2026-13", None, "from"),
        ("2026-1", None, "from"),
        (None, "2026-\u0661\u0662", "to"),
        ("2026-05", "2026-04", "to"),
        ("2000-01", "2026-01", "from"),
    ],
)
def test_a_month_outside_the_range_or_not_in_digits_is_refused_naming_its_end(first, last, field):
    with pytest.raises(ListingError) as raised:
        listing.month_range(first, last, TODAY)
    assert raised.value.field == field


@override_settings(TIME_ZONE="Asia/Tokyo")
@pytest.mark.parametrize("text", ["0001-01-01", "9999-12-31", "1999-12-31", "3000-01-01"])
def test_a_date_the_portal_cannot_compute_in_its_time_zone_is_refused(text):
    with pytest.raises(ListingError, match="from 2000-01-01 to 2999-12-31"):
        listing.parse_day(text, "since")


@override_settings(TIME_ZONE="Asia/Tokyo")
def test_a_date_is_a_whole_day_in_the_time_zone():
    day = listing.parse_day("2000-01-01", "since")
    assert listing.day_starts(day).isoformat() == "2000-01-01T00:00:00+09:00"
    assert listing.day_ends(listing.parse_day("2999-12-31", "until")).year == 2999
    assert listing.parse_day("  ", "since") is None


@pytest.mark.parametrize("text", ["2026-02-30", "2026-1-01", "26-01-01", "\uff12026-01-01", "x"])
def test_a_date_that_is_none_is_refused(text):
    with pytest.raises(ListingError):
        listing.parse_day(text, "until")
