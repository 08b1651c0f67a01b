"""Take the README's screenshots of a running portal (`make run`) with Playwright and Chromium.

    PORTAL_PASSWORD=... .venv/bin/python docs/screenshots/take.py \
        --base-url http://127.0.0.1:8000 --username admin [--out docs/screenshots]

Writes apps-list.png (the demo tenant's apps on a 1366-pixel laptop), app-detail.png (an app with
usage), audit-log.png (the tenant's audit log), apps-phone.png (the apps list on a phone),
usage-year.png (the tenant's usage over the last 12 months), header-ja-1366.png (the header of
an app's page in Japanese on a 1366-pixel laptop) and home-320.png (the home page on a
320-pixel phone; it lists tenants for a user with two or more, so register a second tenant of
the emulator first: create one with `EmulatorControl(...).create_tenant(apps=5)`, then
`manage.py tenant_add`).
"""

import argparse
import os
import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
CLIP_HEADER = {"x": 0, "y": 0, "width": 1366, "height": 240}  # the header, crumbs and heading


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default="admin")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent))
    options = parser.parse_args()
    password = os.environ["PORTAL_PASSWORD"]
    out = Path(options.out)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        context = browser.new_context(
            base_url=options.base_url, viewport={"width": 1366, "height": 900}, color_scheme="light"
        )
        page = context.new_page()
        page.goto("/login/")
        page.get_by_label("Username").fill(options.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
        if page.locator("#result_list").count() == 0:  # several tenants: the list of them
            page.get_by_role("link", name="Demo tenant (emulator)").click()
        page.wait_for_selector("#result_list")
        page.screenshot(path=str(out / "apps-list.png"))
        # An active app with TURN usage makes the most telling detail page.
        page.goto(page.url.split("?")[0] + "?status=active&permission=TURN&o=-turn")
        page.locator("#result_list tbody tr th a").first.click()
        page.wait_for_selector(".usage-chart")
        page.screenshot(path=str(out / "app-detail.png"), full_page=True)
        # A few changes, so that the audit log has something to show.
        detail = page.url
        page.get_by_text("Suspend…").click()  # asked first, on the page
        page.get_by_role("button", name="Yes, suspend this app").click()
        page.get_by_role("button", name="Activate").click()
        page.get_by_role("link", name="Edit").click()
        page.get_by_label("Domains").fill("meet.example.com\nlocalhost")
        page.get_by_role("button", name="Save").click()
        page.get_by_role("button", name="Reveal secret key").first.click()
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Reveal secret key").click()
        page.goto(detail)
        page.locator(".tenant-nav").get_by_role("link", name="Audit log").click()
        page.wait_for_selector("#audit-events")
        page.screenshot(path=str(out / "audit-log.png"))
        apps = page.locator(".tenant-nav").get_by_role("link", name="Apps").get_attribute("href")
        phone = context.new_page()
        phone.set_viewport_size({"width": 390, "height": 844})
        phone.goto(apps)
        phone.wait_for_selector("#result_list")
        phone.screenshot(path=str(out / "apps-phone.png"))
        page.locator(".tenant-nav").get_by_role("link", name="Usage").click()
        page.wait_for_selector("#usage_list")
        page.screenshot(path=str(out / "usage-year.png"))
        japanese = browser.new_context(
            base_url=options.base_url,
            viewport={"width": 1366, "height": 768},
            color_scheme="light",
            extra_http_headers={"Accept-Language": "ja"},
            storage_state=context.storage_state(),
        ).new_page()
        japanese.goto(detail)
        japanese.screenshot(path=str(out / "header-ja-1366.png"), clip=CLIP_HEADER)
        phone.set_viewport_size({"width": 320, "height": 640})
        phone.goto("/")
        phone.screenshot(path=str(out / "home-320.png"), full_page=True)
        browser.close()
    print(f"Wrote the screenshots to {out}")


if __name__ == "__main__":
    main()
