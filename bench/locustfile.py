"""Locust users for `make load`: staff browsing the apps list and details and saving edits.

A response counts as a success when it is the page asked for, or a designed upstream-trouble
page (502, 503, 504 naming ECL); a 500, any other status, or a timeout is a failure.
"""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

from locust import HttpUser, between, events, task

TENANT = os.environ["LOAD_TENANT_ID"]
APP_IDS = os.environ["LOAD_APP_IDS"].split(",")
PASSWORD = os.environ["LOAD_PASSWORD"]
USERNAME = os.environ.get("LOAD_USERNAME", "load")
HTTPS = {"X-Forwarded-Proto": "https"}
DESIGNED_TROUBLE = (502, 503, 504)
HIDDEN = re.compile(r'name="(csrfmiddlewaretoken|snapshot)" value="([^"]*)"')


class Staff(HttpUser):
    wait_time = between(0.2, 1.0)

    def on_start(self) -> None:
        page = self.client.get("/login/", headers=HTTPS, name="login form")
        csrf = page.cookies.get("csrftoken", "")
        origin = self.host.replace("http://", "https://")
        answer = self.client.post(
            "/login/",
            data={"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": csrf},
            headers={**HTTPS, "Referer": f"{origin}/login/", "Cookie": f"csrftoken={csrf}"},
            allow_redirects=False,
            name="login",
        )
        # Secure cookies are not sent over plain http; send them as the TLS proxy would.
        self.cookies = {"csrftoken": csrf, "sessionid": answer.cookies.get("sessionid", "")}
        self.origin = origin

    def headers(self) -> dict[str, str]:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {**HTTPS, "Cookie": cookie, "Referer": f"{self.origin}/"}

    def visit(self, path: str, name: str) -> str:
        with self.client.get(
            path, headers=self.headers(), name=name, catch_response=True, allow_redirects=False
        ) as response:
            judge(response)
            return response.text or ""

    @task(4)
    def apps_list(self) -> None:
        self.visit(f"/tenants/{TENANT}/apps/?page={random.randint(1, 4)}", "apps list")

    @task(4)
    def app_detail(self) -> None:
        self.visit(f"/tenants/{TENANT}/apps/{random.choice(APP_IDS)}/", "app detail")

    @task(1)
    def save_edit(self) -> None:
        app_id = random.choice(APP_IDS)
        form = self.visit(f"/tenants/{TENANT}/apps/{app_id}/edit/", "edit form")
        hidden = dict(HIDDEN.findall(form))
        if "csrfmiddlewaretoken" not in hidden:
            return  # the form did not render (upstream trouble, already judged)
        data = {
            **hidden,
            "description": f"Load test {random.randint(1, 10**6)}",
            "domains": "example.com\nlocalhost",
            "permissions": ["TURN", "SFU"],
            "status": "active",
            "recording_bucket_name": "",
        }
        with self.client.post(
            f"/tenants/{TENANT}/apps/{app_id}/edit/",
            data=data,
            headers=self.headers(),
            name="save edit",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            judge(response, expected=(302,))


trouble_pages = 0  # designed ECL trouble pages since all users arrived


@events.spawning_complete.add_listener
def _restart_count(**kwargs) -> None:
    global trouble_pages
    trouble_pages = 0


@events.test_stop.add_listener
def _write_count(**kwargs) -> None:
    Path(os.environ["LOAD_TROUBLE_FILE"]).write_text(str(trouble_pages))


def judge(response, expected: tuple[int, ...] = (200,)) -> None:
    global trouble_pages
    designed = response.status_code in DESIGNED_TROUBLE and "ECL" in (response.text or "")
    trouble_pages += designed
    if response.status_code in expected or designed:
        response.success()
    else:
        response.failure(f"status {response.status_code}")
