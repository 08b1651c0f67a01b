"""The rows of the apps list, rendered in Python rather than through a template include per row,
which was the largest part of the list page's cost over ECL's own answer (docs/performance.md
has the figures). Every value goes through format_html, escaped as a template would escape it.

For speed, what every row shows alike (the words, each cell's column name, the link's start) is
translated, escaped and put into the row's format once a page, so that each row formats only its
own values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from django.utils import dateformat, formats, timezone
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from apps_admin.ecl import App, MonthCounts
from apps_admin.pages.app_table import APP_COLUMNS
from apps_admin.pages.templatetags.portal import amount, recording_label, status_label

# A row; the `label_*` (each cell's column, which a phone shows beside the value: one card per
# app), `apps_url`, `copy` and `select` are the same in every row of a page.
ROW = (
    "<tr{suspended}>{select}"
    '<th scope="row" class="column-description"><a href="{apps_url}{path}/">{shown}</a></th>'
    '<td class="column-id" data-label="{label_id}"><code>{id}</code></td>'
    '<td class="column-apikey" data-label="{label_apikey}"><span class="copyable">'
    '<code title="{apikey}">{apikey}</code><button type="button" class="copy-button"'
    ' data-copy="{apikey}" aria-label="{copy_label}" hidden>{copy}</button></span></td>'
    '<td class="column-status" data-label="{label_status}">'
    '<span class="badge status-{status}">{status_label}</span></td>'
    '<td class="column-permissions" data-label="{label_permissions}">{permissions}</td>'
    '<td class="column-domains" data-label="{label_domains}">{domains}</td>'
    '<td class="column-recording" data-label="{label_recording}">{recording}</td>'
    '<td class="column-signaling numeric" data-label="{label_signaling}">{signaling}</td>'
    '<td class="column-turn numeric" data-label="{label_turn}">{turn}</td>'
    '<td class="column-sfu numeric" data-label="{label_sfu}">{sfu}</td>'
    '<td class="column-updated" data-label="{label_updated}">{updated}</td>'
    "</tr>"
)
# The first cell of a row for those who may act on several apps at once.
SELECT = (
    '<td class="action-checkbox"><input type="checkbox" name="app" value="{id}"'
    ' class="action-select" aria-label="{select_label}"></td>'
)
SUSPENDED = SafeString(' class="suspended"')
NOTHING = SafeString("")
SPACE = SafeString(" ")
# Django's date format characters that strftime writes alike (for years from 1000 on).
STRFTIME = {"Y": "%Y", "m": "%m", "d": "%d", "H": "%H", "i": "%M", "s": "%S"}


def rows_html(
    rows: Iterable[tuple[App, MonthCounts]], *, apps_url: str, can_edit: bool
) -> SafeString:
    """The `<tr>` of each (app, this month's usage) pair, every value escaped."""
    words = Words.of_this_page()
    row = _with_values(
        ROW.replace("{select}", SELECT if can_edit else ""),
        apps_url=conditional_escape(apps_url),
        copy=conditional_escape(gettext("Copy")),
        **{f"label_{c.key}": conditional_escape(str(c.label)) for c in APP_COLUMNS},
    )
    return format_html_join(
        "", row, (_values(app, current, can_edit, words) for app, current in rows)
    )


@dataclass(frozen=True)
class Words:
    """What rows repeat, translated (and escaped where shown as is) once a page."""

    copy_apikey: str
    no_description: SafeString
    none: SafeString
    select: str
    copy_of: str
    status: dict[str, SafeString]
    recording: dict[str, SafeString]
    tags: dict[tuple[str, ...], SafeString]  # each set of permissions met on the page
    time: Callable[[datetime], str]

    @classmethod
    def of_this_page(cls) -> Words:
        return cls(
            copy_apikey=gettext("Copy API key"),
            no_description=conditional_escape(gettext("(no description)")),
            none=format_html('<span class="quiet">{}</span>', gettext("none")),
            select=gettext("Select %(app)s"),
            copy_of=gettext("%(label)s of %(subject)s"),
            status={s: conditional_escape(status_label(s)) for s in ("active", "suspended")},
            recording={
                s: conditional_escape(recording_label(s)) for s in ("active", "unavailable")
            },
            tags={},
            time=time_writer(formats.get_format("SHORT_DATETIME_FORMAT")),
        )

    def tags_of(self, permissions: tuple[str, ...]) -> SafeString:
        if permissions not in self.tags:
            self.tags[permissions] = (
                format_html_join(" ", '<span class="tag">{}</span>', ((p,) for p in permissions))
                + SPACE
            )
        return self.tags[permissions]


def time_writer(django_format: str) -> Callable[[datetime], str]:
    """What dateformat.format(moment, django_format) writes; through strftime, ten times faster
    (a page of 200 rows spent 3 ms in dateformat), when every character of the format is one
    that both write alike."""
    if all(c in STRFTIME or c in " -/:." for c in django_format):
        pattern = "".join(STRFTIME.get(c, c) for c in django_format)
        return lambda moment: moment.strftime(pattern)
    return lambda moment: dateformat.format(moment, django_format)


def _with_values(template: str, **values: SafeString) -> str:
    """`template` with these (already escaped) values in place and its other fields left for
    format_html; braces in a value are doubled so that format_html writes them as they are."""

    class Others(dict):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    doubled = {k: str(v).replace("{", "{{").replace("}", "}}") for k, v in values.items()}
    return template.format_map(Others(doubled))


def _values(app: App, current: MonthCounts, can_edit: bool, words: Words) -> dict[str, object]:
    """One row's own values: plain text, which format_html escapes, or fragments built safe."""
    name = app.description or app.id
    values = {
        "suspended": SUSPENDED if app.status == "suspended" else NOTHING,
        "path": quote(app.id, safe=""),
        "shown": app.description or words.no_description,
        "id": app.id,
        "apikey": app.apikey,
        "copy_label": words.copy_of % {"label": words.copy_apikey, "subject": name},
        "status": app.status,
        "status_label": words.status.get(app.status) or status_label(app.status),
        "permissions": words.tags_of(app.permissions) if app.permissions else words.none,
        "domains": _domains(app.domains) if app.domains else words.none,
        "recording": words.recording.get(app.recording_status)
        or recording_label(app.recording_status)
        or "—",
        "signaling": amount(current.signaling),
        "turn": amount(current.turn),
        "sfu": amount(current.sfu),
        "updated": _updated(app.updated_at, words) if app.updated_at else NOTHING,
    }
    if can_edit:
        values["select_label"] = words.select % {"app": name}
    return values


def _domains(domains: tuple[str, ...]) -> SafeString:
    if len(domains) == 1:
        return format_html(
            '<span class="first-domain" title="{}">{}</span>', domains[0], domains[0]
        )
    return format_html(
        '<span class="first-domain" title="{}">{}</span> <span class="quiet">+{}</span>',
        ", ".join(domains),
        domains[0],
        len(domains) - 1,
    )


def _updated(moment: datetime, words: Words) -> SafeString:
    local = timezone.localtime(moment)
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), words.time(local))
