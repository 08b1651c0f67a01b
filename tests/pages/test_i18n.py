"""日本語 and English: the ja catalog is complete, compiled and in step with the code; pages, the
API and dates follow the browser's language or the header's switch, which is remembered."""

from __future__ import annotations

import ast
import gettext
import html
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone, translation
from rest_framework.test import APIClient

from apps_admin import ecl
from apps_admin.models import AuditEvent
from apps_admin.pages import usage_chart
from tests.helpers import ROOT, login, missing_tool, token_for

PO = ROOT / "locale" / "ja" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
JA = {"HTTP_ACCEPT_LANGUAGE": "ja"}
# What `make messages` leaves out (the same --ignore list); anything else it would scan.
NOT_SCANNED = (".git", ".venv", "tests", "bench", "ecl_emulator", "staticfiles", "locale")


# --- Reading a .po file -------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    context: str | None
    msgid: str
    plural: str | None
    msgstrs: tuple[str, ...]
    flags: frozenset[str]
    line: int

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.context, self.msgid, self.plural)

    def __str__(self) -> str:
        where = f"django.po:{self.line}"
        return f"{where} {self.context + ' | ' if self.context else ''}{self.msgid!r}"


_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$')


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file, header included (msgid ""), obsolete ones (#~) left out."""
    entries = []
    text = path.read_text(encoding="utf-8")
    line_number = 1
    for block in re.split(r"\n[ \t]*\n", text):
        start = line_number
        line_number += block.count("\n") + 2
        fields: dict[str, str] = {}
        strings: dict[int, str] = {}
        flags: set[str] = set()
        current: tuple[str, int] | None = None
        obsolete = False
        for line in block.splitlines():
            if line.startswith("#~"):
                obsolete = True
            elif line.startswith("#,"):
                flags.update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#") or not line.strip():
                continue
            elif match := _KEYWORD.match(line):
                word, index, literal = match.groups()
                value = ast.literal_eval(literal)
                if word.startswith("msgstr"):
                    current = ("msgstr", int(index or 0))
                    strings[current[1]] = value
                else:
                    current = (word, 0)
                    fields[word] = value
            elif line.startswith('"') and current is not None:
                value = ast.literal_eval(line)
                if current[0] == "msgstr":
                    strings[current[1]] += value
                else:
                    fields[current[0]] += value
        if obsolete or "msgid" not in fields:
            continue
        first = next((i for i, x in enumerate(block.splitlines()) if x.startswith("msg")), 0)
        entries.append(
            Entry(
                context=fields.get("msgctxt"),
                msgid=fields["msgid"],
                plural=fields.get("msgid_plural"),
                msgstrs=tuple(strings[i] for i in sorted(strings)),
                flags=frozenset(flags),
                line=start + first,
            )
        )
    return entries


@pytest.fixture(scope="module")
def catalog() -> list[Entry]:
    assert PO.exists(), f"{PO.relative_to(ROOT)} is missing: run `make messages`"
    return read_po(PO)


def messages_of(entries: list[Entry]) -> list[Entry]:
    return [entry for entry in entries if entry.msgid]


# --- The catalog --------------------------------------------------------------------------------


def test_the_ja_catalog_has_no_untranslated_or_fuzzy_entry(catalog):
    header = next(entry for entry in catalog if not entry.msgid)
    assert "fuzzy" not in header.flags, "the header of django.po is still marked fuzzy"
    assert "Language: ja\n" in header.msgstrs[0]
    assert "Plural-Forms: nplurals=1; plural=0;" in header.msgstrs[0]
    untranslated = [str(e) for e in messages_of(catalog) if not all(e.msgstrs)]
    fuzzy = [str(e) for e in messages_of(catalog) if "fuzzy" in e.flags]
    assert not untranslated, "untranslated in ja:\n" + "\n".join(untranslated)
    assert not fuzzy, "fuzzy in ja (check, then drop the flag):\n" + "\n".join(fuzzy)
    assert len(messages_of(catalog)) > 300  # the whole portal, not a sample


PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]*\}")


def test_every_translation_keeps_the_placeholders_of_its_original(catalog):
    wrong = []
    for entry in messages_of(catalog):
        wanted = sorted(PLACEHOLDER.findall(entry.plural or entry.msgid))
        for msgstr in entry.msgstrs:
            if sorted(PLACEHOLDER.findall(msgstr)) != wanted:
                wrong.append(f"{entry}: {msgstr!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_the_compiled_catalog_is_the_po_file(catalog):
    assert MO.exists(), f"{MO.relative_to(ROOT)} is missing: run `make messages` and commit it"
    with MO.open("rb") as file:
        compiled = gettext.GNUTranslations(file)._catalog  # type: ignore[attr-defined]
    expected: dict = {}
    for entry in messages_of(catalog):
        msgid = f"{entry.context}\x04{entry.msgid}" if entry.context else entry.msgid
        if entry.plural is None:
            expected[msgid] = entry.msgstrs[0]
        else:
            expected.update({(msgid, i): msgstr for i, msgstr in enumerate(entry.msgstrs)})
    compiled = {key: value for key, value in compiled.items() if key != ""}
    stale = sorted(str(key) for key in set(expected) ^ set(compiled))
    stale += sorted(
        str(key) for key in expected if key in compiled and compiled[key] != expected[key]
    )
    assert not stale, "django.mo is not django.po compiled: run `make messages`.\n" + "\n".join(
        stale[:20]
    )


@pytest.mark.slow  # copies the project, runs makemessages
def test_the_catalog_holds_every_string_of_the_code_and_no_other(catalog, tmp_path):
    """makemessages on a copy of the project: what it extracts must be what django.po holds."""
    if shutil.which("xgettext") is None:
        missing_tool("GNU gettext (xgettext) is needed: `apt-get install -y gettext`")
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            *NOT_SCANNED, ".env", "*.sqlite3", "__pycache__", ".*cache", ".hypothesis", "test-*"
        ),
    )
    (copy / "locale").mkdir()
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "PORTAL_ENV_FILE": os.devnull,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ja", "--no-location"],
        cwd=copy,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    extracted = {entry.key for entry in messages_of(read_po(copy / PO.relative_to(ROOT)))}
    committed = {entry.key for entry in messages_of(catalog)}
    missing = sorted(map(repr, extracted - committed))
    stale = sorted(map(repr, committed - extracted))
    assert not missing, "in the code but not in django.po (`make messages`):\n" + "\n".join(missing)
    assert not stale, "in django.po but no longer in the code (`make messages`):\n" + "\n".join(
        stale
    )


# --- Pages in Japanese --------------------------------------------------------------------------


class VisibleText(HTMLParser):
    """What a person reads or hears on a page: text nodes and the attributes that name things."""

    NAMING = {"title", "aria-label", "placeholder", "alt"} | {
        "data-copied",  # words portal.js shows, on its <script> tag
        "data-copy-failed",
        "data-selected",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        button = tag == "input" and dict(attrs).get("type") in ("submit", "button")
        for name, value in attrs:
            if value and (name in self.NAMING or (name == "value" and button)):
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = VisibleText()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split())


_SPLIT = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]*\}|<[^>]+>|\n")


def english_needles(catalog: list[Entry]) -> list[str]:
    """The English texts of the catalog that must not be seen on a Japanese page: the words
    between placeholders and tags, leaving out what also reads the same in Japanese (any text
    found in a translation, such as TURN or PEER_AUTHENTICATION), texts under four characters,
    and single lower-case words, which are also ECL's values and field names (`suspended`)."""
    translations = " ".join(msgstr for entry in catalog for msgstr in entry.msgstrs)
    needles = set()
    for entry in messages_of(catalog):
        for original in filter(None, (entry.msgid, entry.plural)):
            for piece in _SPLIT.split(html.unescape(original)):
                piece = " ".join(piece.split()).strip(" .,:;()“”")
                if (
                    len(piece) < 4
                    or not re.search(r"[A-Za-z]{2}", piece)
                    or re.fullmatch(r"[a-z]+", piece)
                    or piece in translations
                ):
                    continue
                needles.add(piece)
    return sorted(needles, key=len, reverse=True)


def english_on(page: str, needles: list[str]) -> list[str]:
    text = visible_text(page)
    found = []
    for needle in needles:
        pattern = (r"\b" if needle[0].isalnum() else "") + re.escape(needle)
        pattern += r"\b" if needle[-1].isalnum() else ""
        if re.search(pattern, text):
            found.append(needle)
    return found


def h1_of(page: str) -> str:
    """The page's heading; the login page has none, so its <title> up to the site's name."""
    match = re.search(r"<h1>(.*?)</h1>", page, re.S) or re.search(r"<title>(.*?) \|", page)
    return html.unescape(match.group(1)).strip() if match else ""


@pytest.fixture(autouse=True)
def english_afterwards():
    """A request leaves its language active in the thread (LocaleMiddleware never deactivates
    it): go back to the default so that later tests run in English."""
    yield
    translation.deactivate()


@pytest.fixture
def japanese_apps(tenant) -> list[ecl.App]:
    """The tenant's apps with Japanese data, so that only the portal's own words are English;
    the first has no description (its pages are titled by the portal)."""
    apps = ecl.app_list(tenant)
    ecl.app_update_answer(tenant, apps[0].id, {"description": "", "permissions": ["RECORDING"]})
    ecl.app_update_answer(tenant, apps[1].id, {"description": "受付端末", "status": "suspended"})
    ecl.app_update_answer(
        tenant, apps[2].id, {"description": "本社会議室", "domains": ["example.jp"]}
    )
    return ecl.app_list(tenant, expand=True)


@pytest.mark.slow  # waits out ECL's retries
def test_key_pages_in_japanese_carry_their_japanese_titles_and_no_english(
    catalog, tenant, japanese_apps, emulator, users
):
    needles = english_needles(catalog)
    app = japanese_apps[0]
    apps = f"/tenants/{tenant.tenant_id}/apps/"
    AuditEvent.objects.create(tenant_id=tenant.tenant_id, action="app.update", outcome="ok")
    anonymous = Client()
    pages = [
        (anonymous, "get", "/login/", {}, "ログイン"),
        ("admin", "get", apps, {}, "Acme のアプリケーション"),
        ("admin", "get", f"{apps}{app.id}/", {}, f"アプリケーション {app.id}"),
        ("admin", "get", f"{apps}new/", {}, "アプリケーションの追加"),
        ("admin", "get", f"{apps}{app.id}/edit/", {}, f"アプリケーション {app.id} の編集"),
        ("admin", "get", f"{apps}{app.id}/delete/", {}, f"アプリケーション {app.id} の削除"),
        ("admin", "get", f"{apps}{app.id}/secretkey/", {}, "シークレットキーの表示"),
        ("admin", "post", f"{apps}{app.id}/secretkey/", {}, "シークレットキー"),
        (
            "admin",
            "get",
            f"{apps}{app.id}/secretkey/regenerate/",
            {},
            f"アプリケーション {app.id} のシークレットキーの再生成",
        ),
        (
            "admin",
            "post",
            f"{apps}bulk/",
            {"action": "suspend", "app": [a.id for a in japanese_apps[:2]]},
            "2 件のアプリケーションを一時停止しますか？",  # noqa: RUF001 (Japanese punctuation)
        ),
        ("admin", "get", f"/tenants/{tenant.tenant_id}/usage/", {}, "Acme の利用状況"),
        ("admin", "get", f"/tenants/{tenant.tenant_id}/audit/", {}, "Acme の監査ログ"),
        ("admin", "get", "/account/tokens/", {}, "API トークン"),
        ("superuser", "get", "/", {}, "テナント一覧"),
    ]
    for actor, method, path, data, title in pages:
        client = (
            actor
            if isinstance(actor, Client)
            else login(Client(), users[actor], reauthenticated=True)
        )
        response = getattr(client, method)(path, data, **JA)
        assert response.status_code == 200, (path, response.status_code)
        page = response.content.decode()
        assert '<html lang="ja"' in page, path
        assert h1_of(page) == title, (path, h1_of(page))
        assert english_on(page, needles) == [], (path, english_on(page, needles))

    # The password confirmation (asked before secrets) and the page of an ECL that is down.
    confirm = login(Client(), users["admin"]).get(f"/reauth/?next={apps}", **JA).content.decode()
    assert h1_of(confirm) == "パスワードの確認" and english_on(confirm, needles) == []
    emulator.set_faults(rules=[{"method": "GET", "path": "/apps$", "status": 503, "count": 3}])
    down = login(Client(), users["viewer"]).get(apps, **JA)
    assert down.status_code == 503
    page = down.content.decode()
    assert h1_of(page) == "ECL がエラーを返しました"  # it answered 503: said as it happened
    assert "何も変更されていません" in page and ">再試行<" in page
    assert english_on(page, needles) == []


def test_the_checks_of_a_form_speak_japanese(client_as, tenant, catalog):
    client = client_as("editor")
    response = client.post(
        f"/tenants/{tenant.tenant_id}/apps/new/",
        {"description": "x" * 130, "domains": "https://example.com/", "status": "active"},
        **JA,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "説明は 128 文字以内で入力してください (現在 130 文字)。" in page
    assert "「https://example.com/」は URL です。" in page
    assert english_on(page, english_needles(catalog)) == []


def test_english_pages_stay_english(client_as, tenant, catalog):
    page = client_as("admin").get(f"/tenants/{tenant.tenant_id}/apps/").content.decode()
    assert '<html lang="en"' in page and h1_of(page) == "Apps of Acme"
    assert ">Add app</a>" in page and 'value="Search"' in page
    assert not re.search(r"[\u3040-\u30ff]", visible_text(page).replace("日本語", ""))


# --- Choosing the language ----------------------------------------------------------------------


def test_the_header_offers_the_language_switch_as_a_plain_form(client_as, tenant):
    for page in (
        Client().get("/login/").content.decode(),
        client_as("viewer").get(f"/tenants/{tenant.tenant_id}/apps/").content.decode(),
    ):
        form = re.search(r'<form class="language-switch".*?</form>', page, re.S).group(0)
        assert 'action="/i18n/setlang/"' in form and 'method="post"' in form
        assert 'name="csrfmiddlewaretoken"' in form and 'name="language"' in form
        assert '<option value="ja" lang="ja">日本語</option>' in form
        assert 'type="submit"' in form  # works without JavaScript


def test_the_switch_sets_the_remembered_cookie_and_the_next_page_is_japanese(db):
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "ja", "next": "/login/"})
    assert response.status_code == 302 and response["Location"] == "/login/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "ja"
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["secure"] == (not settings.DEBUG)
    assert cookie["max-age"] or cookie["expires"]  # it outlives the browser session
    page = client.get("/login/").content.decode()  # no Accept-Language: the cookie decides
    assert h1_of(page) == "ログイン"
    # The cookie wins over the browser's language, both ways.
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert h1_of(client.get("/login/", **JA).content.decode()) == "Log in"


def test_the_browser_language_decides_without_a_cookie():
    assert h1_of(
        Client().get("/login/", HTTP_ACCEPT_LANGUAGE="ja-JP,ja;q=0.9").content.decode()
    ) == ("ログイン")
    assert h1_of(Client().get("/login/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()) == "Log in"
    assert h1_of(Client().get("/login/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()) == "Log in"
    assert h1_of(Client().get("/login/").content.decode()) == "Log in"


def test_switching_after_a_post_returns_to_the_page_before_it(client_as, tenant):
    client = client_as("editor")
    apps = f"/tenants/{tenant.tenant_id}/apps/"
    confirm = client.post(f"{apps}bulk/", {"action": "suspend", "app": ["1"]}).content.decode()
    form = re.search(r'<form class="language-switch".*?</form>', confirm, re.S).group(0)
    assert 'name="next"' not in form  # a page shown after a POST cannot be fetched again
    response = client.post(
        "/i18n/setlang/", {"language": "ja"}, HTTP_REFERER=f"http://testserver{apps}"
    )
    assert response["Location"] == f"http://testserver{apps}"


# --- The API ------------------------------------------------------------------------------------


@pytest.mark.slow  # waits out ECL's retries
def test_api_errors_answer_in_the_language_asked_for_with_codes_unchanged(users, tenant, emulator):
    anonymous = APIClient().get("/api/tenants", **JA)
    assert anonymous.status_code == 401
    assert anonymous.json() == {
        "detail": "認証情報が含まれていません。",
        "code": "not_authenticated",
    }

    client = APIClient()
    client.credentials(HTTP_X_AUTH_TOKEN=token_for(users["editor"]))
    apps = f"/api/tenants/{tenant.tenant_id}/apps"
    invalid = client.post(apps, {"domains": ["https://a.example/"]}, format="json", **JA).json()
    assert invalid["code"] == "invalid"
    assert invalid["detail"].startswith("入力が不正です。")
    assert invalid["fields"] == {
        "domains": [
            "「https://a.example/」は URL です。"
            "example.com のようにホスト名だけを入力してください。"
        ]
    }
    assert client.get("/api/nowhere", **JA).json() == {
        "detail": "見つかりません。",
        "code": "not_found",
    }
    assert client.get("/api/tenants/" + "0" * 32 + "/apps", **JA).json() == {
        "detail": "該当するテナントがありません。",
        "code": "not_found",
    }

    emulator.set_faults(rules=[{"method": "GET", "path": "/apps$", "status": 503, "count": 3}])
    down = client.get(apps, **JA)
    assert down.status_code == 503
    assert down.json() == {
        "detail": "ECL がサーバーエラー (HTTP 503) を返しました。何も変更されていません。"
        "しばらくしてから再試行してください。",
        "code": "ecl_unavailable",
    }
    # Without Accept-Language, scripts written for ECL get English.
    emulator.set_faults(rules=[{"method": "GET", "path": "/apps$", "status": 503, "count": 3}])
    assert (
        client.get(apps).json()["detail"].startswith("ECL answered with a server error (HTTP 503).")
    )


def test_ecls_own_words_are_shown_as_ecl_wrote_them_after_our_translated_prefix():
    error = ecl.InvalidRequest("Invalid domain format")
    with translation.override("ja"):
        assert str(error) == "ECL がリクエストを拒否しました: Invalid domain format"
    with translation.override("en"):
        assert str(error) == "ECL rejected the request: Invalid domain format"
    suspended = ecl.TenantUnavailable("suspended")
    with translation.override("ja"):
        assert "一時停止中" in str(suspended.message)
        assert "一時停止中" in str(suspended.title)
    assert str(suspended.title) == "This tenant is suspended at ECL"
    assert "because the tenant is suspended there" in str(suspended)


# --- Dates and numbers --------------------------------------------------------------------------


@override_settings(TIME_ZONE="Asia/Tokyo")
def test_times_read_the_one_unambiguous_way_in_every_language_and_the_time_zone(client_as, tenant):
    client = client_as("viewer")
    app = ecl.app_list(tenant, expand=True)[0]
    detail = f"/tenants/{tenant.tenant_id}/apps/{app.id}/"
    expected = timezone.localtime(app.created_at).strftime("%Y-%m-%d %H:%M")
    for headers in (JA, {"HTTP_ACCEPT_LANGUAGE": "en"}):
        page = client.get(detail, **headers).content.decode()
        created = re.search(r'<time datetime="[^"]+">([^<]+)</time>', page).group(1)
        assert created == expected  # 2023-09-06 23:17, in TIME_ZONE
        listed = client.get(f"/tenants/{tenant.tenant_id}/apps/", **headers).content.decode()
        updated = re.search(r'<time datetime="[^"]+">([^<]+)</time>', listed).group(1)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", updated), updated
    exported = client.get(f"/tenants/{tenant.tenant_id}/apps/export.csv").content.decode()
    assert expected in exported  # the CSV writes times the same way


def test_numbers_follow_the_language():
    for language in ("en", "ja"):
        with translation.override(language):
            assert usage_chart.amount(1234567) == "1,234,567"
            assert usage_chart.amount(1234.5678) == "1,234.57"
