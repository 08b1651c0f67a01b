"""CSV answers of the exports: plain UTF-8, or for Excel (UTF-8 with a byte order mark, which
Excel on Japanese Windows needs to read Japanese text instead of showing mojibake)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

BOM = "\ufeff"

# What makes a spreadsheet read a cell as a formula, in ASCII and in full-width forms (which
# some spreadsheets fold to ASCII), and the white space it skips before them.
_FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
_SKIPPED = " \u3000\u00a0"


def _cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet will not run as a formula: every text cell of every
    export goes through here, since any of them may hold what someone typed at ECL."""
    if not isinstance(value, str):
        return value
    stripped = value.lstrip(_SKIPPED)
    if value[:1] in _FORMULA_STARTS or stripped[:1] in _FORMULA_STARTS:
        return "'" + value
    return value


def guarded_row(values: Iterable[Any]) -> list[Any]:
    """A CSV row whose every text cell is guarded (`_cell`): for every export of the portal."""
    return [_cell(value) for value in values]


def for_excel(request: HttpRequest) -> bool:
    return request.GET.get("for") == "excel"


def csv_response(request: HttpRequest, name: str, *parts: Iterable[list[Any]]) -> HttpResponse:
    """`name-YYYYMMDD-HHMM.csv` (or `...-excel.csv`) holding the rows of every part in turn."""
    excel = for_excel(request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    suffix = "-excel" if excel else ""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}{suffix}.csv"'
    response["Cache-Control"] = "private, no-store"
    if excel:
        response.write(BOM)
    writer = csv.writer(response)
    for rows in parts:
        writer.writerows(rows)
    return response
