"""The rows of the apps list, rendered in Python rather than through a template include per row,
which was the largest part of the list page's cost over ECL's own answer (the README's
Performance section has the figures). The words every row repeats are translated once a page.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from urllib.parse import quote

from django.utils import dateformat, formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from apps_admin.ecl import App, MonthCounts
from apps_admin.pages.app_table import APP_COLUMNS
from apps_admin.pages.templatetags.portal import amount, recording_label, status_label


def rows_html(
    rows: Iterable[tuple[App, MonthCounts]], *, apps_url: str, can_edit: bool
) -> SafeString:
    """The `<tr>` of each (app, this month's usage) pair, every value escaped."""
    words = {
        "copy": escape(gettext("Copy")),
        "copy_apikey": gettext("Copy API key"),
        "no_description": gettext("(no description)"),
        "none": f'<span class="quiet">{escape(gettext("none"))}</span>',
        "select": gettext("Select %(app)s"),
        "copy_of": gettext("%(label)s of %(subject)s"),
        "status": {s: escape(status_label(s)) for s in ("active", "suspended")},
        "recording": {s: escape(recording_label(s)) for s in ("active", "unavailable")},
        # Each cell's column, which a phone shows beside the value (one card per app).
        "labels": {column.key: escape(str(column.label)) for column in APP_COLUMNS},
    }
    date_format = formats.get_format("SHORT_DATETIME_FORMAT")
    html = "".join(
        _row(app, current, apps_url, can_edit, words, date_format) for app, current in rows
    )
    return mark_safe(html)  # noqa: S308 - _row escapes every value it writes


def _row(
    app: App, current: MonthCounts, apps_url: str, can_edit: bool, words: dict, date_format: str
) -> str:
    name = app.description or app.id
    labels = words["labels"]

    def cell(key: str, content: str, extra: str = "") -> str:
        return f'<td class="column-{key}{extra}" data-label="{labels[key]}">{content}</td>'

    cells = []
    if can_edit:
        select = words["select"] % {"app": name}
        cells.append(
            f'<td class="action-checkbox"><input type="checkbox" name="app"'
            f' value="{escape(app.id)}" class="action-select" aria-label="{escape(select)}"></td>'
        )
    shown = escape(app.description) if app.description else escape(words["no_description"])
    cells.append(
        f'<th scope="row" class="column-description"><a href="{escape(apps_url)}'
        f'{quote(app.id, safe="")}/">{shown}</a></th>'
    )
    cells.append(cell("id", f"<code>{escape(app.id)}</code>"))
    copy_label = words["copy_of"] % {"label": words["copy_apikey"], "subject": name}
    apikey = escape(app.apikey)
    cells.append(
        cell(
            "apikey",
            f'<span class="copyable"><code title="{apikey}">{apikey}</code>'
            f'<button type="button" class="copy-button" data-copy="{apikey}"'
            f' aria-label="{escape(copy_label)}" hidden>{words["copy"]}</button></span>',
        )
    )
    status = words["status"].get(app.status) or escape(status_label(app.status))
    cells.append(cell("status", f'<span class="badge status-{escape(app.status)}">{status}</span>'))
    tags = " ".join(f'<span class="tag">{escape(p)}</span>' for p in app.permissions)
    cells.append(cell("permissions", tags + " " if tags else words["none"]))
    if app.domains:
        more = len(app.domains) - 1
        domains = (
            f'<span class="first-domain" title="{escape(", ".join(app.domains))}">'
            f"{escape(app.domains[0])}</span>"
            + (f' <span class="quiet">+{more}</span>' if more else "")
        )
    else:
        domains = words["none"]
    cells.append(cell("domains", domains))
    recording = words["recording"].get(app.recording_status) or escape(
        recording_label(app.recording_status) or "—"
    )
    cells.append(cell("recording", recording))
    for key in ("signaling", "turn", "sfu"):
        cells.append(cell(key, escape(amount(getattr(current, key))), " numeric"))
    updated = ""
    if app.updated_at:
        local = timezone.localtime(app.updated_at)
        updated = (
            f'<time datetime="{local.isoformat()}">'
            f"{escape(dateformat.format(local, date_format))}</time>"
        )
    cells.append(cell("updated", updated))
    suspended = ' class="suspended"' if app.status == "suspended" else ""
    return f"<tr{suspended}>{''.join(cells)}</tr>"
