"""The journey of a Japanese editor in a browser set to Japanese: log in, find an app, edit it,
and switch the portal to English and back from the header (the choice is remembered)."""

import re

import pytest
from playwright.sync_api import expect

from apps_admin import ecl
from tests.e2e.helpers import screenshot_if_failed
from tests.helpers import PASSWORD


@pytest.fixture
def page_ja(request, browser, live_server):
    """A tab of a Chromium whose language is Japanese (locale and Accept-Language)."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1280, "height": 900},
        locale="ja-JP",
        extra_http_headers={"Accept-Language": "ja-JP,ja;q=0.9"},
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    screenshot_if_failed(request, tab, "test_journey_ja")
    context.close()


def test_a_japanese_editor_edits_an_app_then_switches_to_english(page_ja, portal):
    page = page_ja
    app = ecl.app_update_answer(
        portal.tenant,
        ecl.app_list(portal.tenant)[0].id,
        {"description": "受付端末", "domains": ["old.example.jp"], "permissions": ["TURN"]},
    ).value

    # The login page follows the browser's language.
    page.goto("/login/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    page.get_by_label("ユーザー名").fill("eddie")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()

    # The apps list.
    expect(page.get_by_role("heading", name="Acme のアプリケーション")).to_be_visible()
    expect(page.get_by_role("link", name="アプリケーションの追加")).to_be_visible()
    expect(page.get_by_role("columnheader", name="アプリケーション ID")).to_be_visible()
    expect(page.get_by_role("columnheader", name="利用可能ドメイン")).to_be_visible()
    expect(page.get_by_role("button", name="検索")).to_be_visible()

    # An app's page, its sections and a date in Japanese.
    page.get_by_role("link", name="受付端末", exact=True).click()
    expect(page.get_by_role("heading", name="受付端末")).to_be_visible()
    for section in ("ステータス", "キー", "利用可能ドメイン", "権限", "録音", "利用状況"):
        expect(page.get_by_role("heading", name=section, exact=True)).to_be_visible()
    # Times read 2023-09-06 23:17 in every language.
    expect(page.locator("time").first).to_have_text(re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"))
    expect(page.get_by_role("button", name="API キーをコピー")).to_be_visible()

    # Edit and save, by the Japanese labels.
    page.get_by_role("link", name="編集", exact=True).click()
    expect(page.get_by_role("heading", name="受付端末 の編集")).to_be_visible()
    expect(page.get_by_label("説明")).to_have_value("受付端末")
    expect(page.locator("#id_description_counter")).to_have_text("4 / 128")
    page.get_by_label("利用可能ドメイン").fill("new.example.jp\nlocalhost")
    page.get_by_role("checkbox", name="SFU").check()
    page.get_by_label("ステータス").select_option(label="一時停止")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("アプリケーション「受付端末」を保存しました。")).to_be_visible()
    expect(page.locator(".badge").first).to_have_text("一時停止")
    after = ecl.app_get(portal.tenant, app.id)
    assert after.domains == ("new.example.jp", "localhost")
    assert after.permissions == ("TURN", "SFU")
    assert after.status == "suspended"  # the value sent to ECL is ECL's, not the label

    # A rule's message in Japanese, before any call to ECL.
    page.get_by_role("link", name="編集", exact=True).click()
    page.get_by_label("利用可能ドメイン").fill("https://kiosk.example.jp/")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("「https://kiosk.example.jp/」は URL です。")).to_be_visible()

    # The header's switch: English, remembered over the browser's Japanese, then back.
    page.get_by_label("言語 (Language)").select_option("en")
    page.get_by_role("button", name="変更", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_label("Domains")).to_be_visible()
    page.goto(portal.apps_path)
    expect(page.get_by_role("heading", name="Apps of Acme")).to_be_visible()
    page.get_by_label("Language").select_option("ja")
    page.get_by_role("button", name="Change", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", name="Acme のアプリケーション")).to_be_visible()
