"""The pure list logic behind the apps and usage pages: query, filters, order, pages, CSV."""

from datetime import UTC, date, datetime

import pytest

from apps_admin import listing
from apps_admin.ecl.types import App, MonthCounts, Recording
from apps_admin.listing import ListingError
from apps_admin.pages import app_table, paging, usage_chart
from apps_admin.pages.app_table import Months, Query
from apps_admin.usage.report import Usage


def make_app(app_id, description="", **fields) -> App:
    usage = fields.pop("usage", (("2026/10", 10, 1.5, 0), ("2026/11", 5, 0.25, 2)))
    return App(
        id=str(app_id),
        apikey=fields.pop("apikey", f"key-{app_id}"),
        description=description,
        status=fields.pop("status", "active"),
        recording=Recording(status=fields.pop("recording_status", "unavailable")),
        usage_summary={m: MonthCounts(s, t, f) for m, s, t, f in usage},
        **fields,
    )


APPS = [
    make_app(1000, "Tokyo office", domains=("example.com",), permissions=("TURN",)),
    make_app(1001, "osaka branch", status="suspended", permissions=("SFU", "RECORDING")),
    make_app(
        1002,
        "Nagoya plant",
        domains=("meet.example.net", "localhost"),
        recording_status="active",
        usage=(("2026/11", 99, 7, 1),),
    ),
    make_app(999, "", apikey="ABC-def"),
]


def ids(apps) -> list[str]:
    return [a.id for a in apps]


def test_query_reads_known_values_and_ignores_unknown_choices():
    query = Query.from_params(
        {"q": "  tokyo   office ", "status": "active", "permission": "TURN", "o": "-turn"}
    )
    assert query == Query("tokyo office", "active", "TURN", "", "-turn", 1)
    junk = Query.from_params({"status": "gone", "permission": "root", "o": "secret"})
    assert junk == Query()
    assert Query.from_params({"page": "2"}).page == Query.from_params({"p": "2"}).page == 2


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "-4"},
        {"page": "0"},
        {"page": "\u00b2"},
        {"p": "\u0663"},
        {"page": "1" * 9},
        {"n": "7"},
        {"n": "\u00b2\u2075"},
        {"n": "x"},
    ],
    ids=repr,
)
def test_a_page_number_or_size_that_is_none_is_a_listing_error(params):
    with pytest.raises(ListingError):
        Query.from_params(params)


def test_params_keep_only_what_differs_from_the_default():
    query = Query(q="x", order="id", page=3)
    assert query.params() == {"q": "x", "o": "id", "page": "3"}
    assert query.params(page=1) == {"q": "x", "o": "id"}


def test_search_is_case_insensitive_over_description_id_apikey_and_domains():
    months = Months.of(APPS)
    assert ids(app_table.apply(APPS, Query(q="OSAKA"), months)) == ["1001"]
    assert ids(app_table.apply(APPS, Query(q="1002"), months)) == ["1002"]
    assert ids(app_table.apply(APPS, Query(q="abc-DEF"), months)) == ["999"]
    assert ids(app_table.apply(APPS, Query(q="example"), months)) == ["1000", "1002"]
    assert ids(app_table.apply(APPS, Query(q="nagoya localhost"), months)) == ["1002"]
    assert ids(app_table.apply(APPS, Query(q="nagoya tokyo"), months)) == []


def test_filters_by_status_permission_none_and_recording():
    months = Months.of(APPS)
    assert ids(app_table.apply(APPS, Query(status="suspended"), months)) == ["1001"]
    assert ids(app_table.apply(APPS, Query(permission="SFU"), months)) == ["1001"]
    assert ids(app_table.apply(APPS, Query(permission="none"), months)) == ["1002", "999"]
    assert ids(app_table.apply(APPS, Query(recording="active"), months)) == ["1002"]


def test_without_an_order_ecls_order_is_kept():
    assert ids(app_table.apply(APPS, Query(), Months.of(APPS))) == ["1000", "1001", "1002", "999"]


def test_every_column_sorts_both_ways():
    months = Months.of(APPS)
    for column in app_table.APP_COLUMNS:
        up = ids(app_table.apply(APPS, Query(order=column.key), months))
        down = ids(app_table.apply(APPS, Query(order="-" + column.key), months))
        assert sorted(up) == sorted(ids(APPS)), column.key
        assert len(down) == len(APPS)
    assert ids(app_table.apply(APPS, Query(order="id"), months)) == ["999", "1000", "1001", "1002"]
    assert ids(app_table.apply(APPS, Query(order="description"), months)) == [
        "999",
        "1002",
        "1001",
        "1000",
    ]
    assert ids(app_table.apply(APPS, Query(order="-signaling"), months))[0] == "1002"


def test_months_are_found_in_the_data_and_a_missing_month_counts_zero():
    months = Months.of(APPS)
    assert months == Months(current="2026/11", previous="2026/10")
    nagoya = APPS[2]
    assert app_table.usage_in(nagoya, "2026/10").turn == 0
    assert app_table.usage_in(nagoya, "2026/11").turn == 7
    assert Months.of([]) == Months()
    assert app_table.usage_in(nagoya, "") is app_table.ZERO


def test_pages_hold_fifty_and_a_page_past_the_end_is_the_last():
    rows = [make_app(i) for i in range(1000, 1120)]
    first = paging.page_of(rows, 1)
    assert len(first) == 50 and first.paginator.num_pages == 3 and not first.has_previous()
    assert (first.start_index(), first.end_index()) == (1, 50)
    last = paging.page_of(rows, 99)
    assert last.number == 3 and len(last) == 20 and not last.has_next()
    assert (last.start_index(), last.end_index()) == (101, 120)
    empty = paging.page_of([], 1)
    assert empty.paginator.num_pages == 1 and list(empty) == [] and empty.start_index() == 0


def test_the_pager_links_keep_the_other_parameters():
    rows = list(range(120))
    middle = paging.pager(paging.page_of(rows, 2), {"q": "a b", "o": "-id"})
    assert middle.previous_url == "?q=a+b&o=-id"  # the first page has no number
    assert middle.next_url == "?q=a+b&o=-id&page=3"
    audit = paging.pager(paging.page_of(rows, 1), {"action": "app.update", "p": "4"})
    assert audit.previous_url == "" and audit.next_url == "?action=app.update&page=2"


def test_the_pager_numbers_pages_first_and_last_and_keeps_the_page_size():
    rows = list(range(2400))
    pager = paging.pager(paging.page_of(rows, 20, 100), {"q": "x", "n": "100"})
    numbers = [link.label if link else "…" for link in pager.numbers]
    assert numbers == ["1", "…", "18", "19", "20", "21", "22", "…", "24"]
    assert [link.current for link in pager.numbers if link] == [0, 0, 0, 1, 0, 0, 0]
    assert pager.first_url == "?q=x&n=100" and pager.last_url == "?q=x&n=100&page=24"
    assert pager.next_url == "?q=x&n=100&page=21"
    sizes = {link.label: (link.url, link.current) for link in pager.sizes}
    assert sizes == {
        "25": ("?q=x&n=25", False),
        "50": ("?q=x", False),
        "100": ("?q=x&n=100", True),
        "200": ("?q=x&n=200", False),
    }
    assert listing.page_size({"n": "100"}) == 100 and listing.page_size({}) == 50


def test_headers_link_to_sorting_and_reverse_the_current_order():
    query = Query(q="x", order="description", page=2)
    headers = {h.key: h for h in app_table.headers(query)}
    assert headers["description"].sorted == "ascending"
    assert headers["description"].query == {"q": "x", "o": "-description"}
    assert headers["turn"].query == {"q": "x", "o": "-turn"}  # numbers: largest first
    assert headers["id"].query == {"q": "x", "o": "id"}


def test_csv_rows_never_start_a_formula_and_hold_no_secret():
    evil = make_app(1, "=cmd|' /C calc'!A0", domains=("-x.example",))
    rows = list(app_table.app_csv_rows([evil], Months.of([evil])))
    assert rows[0][0] == "app_id" and "secretkey" not in rows[0]
    assert rows[1][1].startswith("'=")
    assert rows[1][5].startswith("'-")


def test_ten_thousand_apps_filter_sort_and_page():
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    apps = [
        make_app(
            i,
            f"App {i} line",
            domains=(f"d{i}.example.com",),
            permissions=("TURN",) if i % 2 else (),
            updated_at=stamp,
        )
        for i in range(10_000)
    ]
    months = Months.of(apps)
    rows = app_table.apply(apps, Query(q="line", permission="TURN", order="-turn"), months)
    page = paging.page_of(rows, 40)
    assert len(rows) == 5_000 and len(page) == 50


def test_the_chart_stacks_turn_under_sfu_and_draws_signaling_apart():
    months = [
        (date(2026, 10, 1), Usage(signaling=10, turn=1.5, sfu=0.5)),
        (date(2026, 11, 1), Usage(signaling=5, turn=0.25, sfu=0)),
    ]
    chart = usage_chart.chart(months)
    gigabytes, signaling = chart.panels
    assert (gigabytes.key, signaling.key) == ("gigabytes", "signaling")
    tallest = gigabytes.bars[0]
    assert [s.key for s in tallest.segments] == ["turn", "sfu"]
    # The largest month fills the plot; TURN sits on the axis and SFU on TURN.
    assert sum(s.height for s in tallest.segments) == usage_chart.PLOT_HEIGHT
    turn, sfu = tallest.segments
    assert turn.y + turn.height == chart.baseline and sfu.y + sfu.height == turn.y
    assert signaling.bars[0].segments[0].height == usage_chart.PLOT_HEIGHT
    assert signaling.bars[1].segments[0].height == usage_chart.PLOT_HEIGHT / 2
    assert tallest.tooltip == "2026-10: TURN 1.5 + SFU 0.5" and tallest.text == "2"
    assert [b.year for b in gigabytes.bars] == ["2026", ""]  # the year under the first bar
    assert "TURN (GB): 2026-10: 1.5, 2026-11: 0.25." in chart.description
    zero = usage_chart.chart([(date(2026, 11, 1), Usage())])
    assert all(s.height == 0 for p in zero.panels for b in p.bars for s in b.segments)


def test_amounts_read_well():
    assert usage_chart.amount(1234567) == "1,234,567"
    assert usage_chart.amount(12.5) == "12.5"
    assert usage_chart.amount(0.125) == "0.12" or usage_chart.amount(0.125) == "0.13"
    assert usage_chart.amount(3.0) == "3"


FORMULAS = [
    *("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\n=1"),
    *(" =1", "\u3000=1", "  \u00a0@x"),  # white space first
    *("\uff1d1+1", "\uff0b1", "\uff0d1", "\uff20A1"),  # full-width = + - @
]


@pytest.mark.parametrize("value", FORMULAS)
def test_every_cell_of_every_export_is_guarded(value):
    evil = App(
        id="1",
        apikey=value,
        description=value,
        domains=(value,),
        permissions=(value,),
        status=value,
        recording=Recording(status=value, bucket_name=value),
    )
    months = Months.of([evil])
    for rows in (app_table.app_csv_rows([evil], months),):
        _header, row = list(rows)
        texts = [cell for cell in row if isinstance(cell, str) and cell]
        assert texts and all(cell.startswith("'") or cell.isdigit() for cell in texts), row


def test_harmless_text_is_left_as_it_is():
    plain = make_app(1, "Front desk", domains=("a.example",), permissions=("TURN",))
    _header, row = list(app_table.app_csv_rows([plain], Months.of([plain])))
    assert row[1:6] == ["Front desk", plain.apikey, "active", "TURN", "a.example"]


@pytest.mark.parametrize(
    "django_format", ["Y-m-d H:i", "Y/m/d H:i:s", "N j, Y, P", r"Y-m-d \a\t H:i"]
)
def test_the_rows_write_a_time_as_djangos_date_format_would(django_format):
    from django.utils import dateformat

    from apps_admin.pages.app_rows import time_writer

    for moment in (datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), datetime(2023, 12, 31, 23, 59)):
        assert time_writer(django_format)(moment) == dateformat.format(moment, django_format)
