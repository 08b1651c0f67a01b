"""The audit log: what an event holds, that it is append-only, and the tenant admins' page."""

import pytest

from apps_admin import audit
from apps_admin.models import AuditEvent
from tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(users, tenant):
    return AuditEvent.objects.create(
        actor_id=users["admin"].pk,
        actor_username="alice",
        tenant_id=tenant.tenant_id,
        app_id="1000",
        action="app.update",
        outcome="ok",
    )


def test_an_event_cannot_be_changed_or_deleted(event):
    event.outcome = "forged"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(outcome="forged")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).outcome == "ok"


def test_django_admin_shows_events_to_superusers_but_cannot_change_or_delete_them(client_as, event):
    client = client_as("superuser")
    assert client.get("/admin/apps_admin/auditevent/").status_code == 200
    assert client.get("/admin/apps_admin/auditevent/add/").status_code == 403
    change_url = f"/admin/apps_admin/auditevent/{event.pk}/change/"
    page = client.get(change_url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.post(change_url, {"outcome": "forged"}).status_code == 403
    assert client.post(f"/admin/apps_admin/auditevent/{event.pk}/delete/").status_code == 403
    response = client.post(
        "/admin/apps_admin/auditevent/",
        {"action": "delete_selected", "_selected_action": [event.pk]},
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert response.status_code in (200, 302)


def test_changes_show_from_and_to_and_a_secret_only_as_changed():
    changes = audit.changes_between(
        {"description": "old", "status": "active", "key": "s1"},
        {"description": "new", "status": "active", "key": "s2"},
        secret=["key"],
    )
    assert changes == {
        "description": {"from": "old", "to": "new"},
        "key": {"from": "(changed)", "to": "(changed)"},
    }


def test_an_event_records_actor_address_agent_request_and_transaction(client, users, tenant):
    from django.test import RequestFactory

    request = RequestFactory().post(
        "/", headers={"User-Agent": "curl/8.0"}, REMOTE_ADDR="192.0.2.10"
    )
    request.user = users["editor"]
    request.request_id = "abc123abc123"
    recorded = audit.record(
        request, "app.delete", tenant_id=tenant.tenant_id, app_id=1001, transaction_id="tx-1"
    )
    recorded.refresh_from_db()
    assert recorded.actor_id == users["editor"].pk
    assert recorded.actor_username == "eddie"
    assert recorded.app_id == "1001"
    assert recorded.client_ip == "192.0.2.10"
    assert recorded.user_agent == "curl/8.0"
    assert recorded.request_id == "abc123abc123"
    assert recorded.transaction_id == "tx-1"
    assert recorded.at.utcoffset().total_seconds() == 0


def test_unknown_actions_are_refused():
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record(None, "app.explode")


def test_the_username_of_an_event_is_kept_when_the_user_is_renamed(event, users):
    users["admin"].username = "alice2"
    users["admin"].save()
    assert AuditEvent.objects.get(pk=event.pk).actor_username == "alice"


def test_a_failed_login_is_an_event_without_the_password(client, users):
    client.post("/login/", {"username": "vera", "password": "hunter2-wrong"})
    event = AuditEvent.objects.get(action="login.failed")
    assert (event.actor_username, event.outcome, event.actor_id) == ("vera", "denied", None)
    assert "hunter2" not in repr(event.changes)


def test_a_tenant_change_in_admin_is_audited_with_the_secret_only_as_changed(client_as, tenant):
    client = client_as("superuser")
    response = client.post(
        f"/admin/apps_admin/tenant/{tenant.pk}/change/",
        {
            "name": "Acme renamed",
            "tenant_id": tenant.tenant_id,
            "region": "jp1",
            "identity_url": tenant.identity_url,
            "api_url": tenant.api_url,
            "api_key": tenant.api_key,
            "api_secret": "brand-new-secret",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    event = AuditEvent.objects.get(action="tenant.change")
    assert event.changes == {
        "api_secret": {"from": "(changed)", "to": "(changed)"},
        "name": {"from": "Acme", "to": "Acme renamed"},
    }
    assert "brand-new-secret" not in repr(event.changes)
    tenant.refresh_from_db()
    assert tenant.api_secret == "brand-new-secret"


def test_a_membership_change_in_admin_is_audited(client_as, users, tenant):
    client = client_as("superuser")
    membership = users["viewer"].memberships.get()
    response = client.post(
        f"/admin/apps_admin/membership/{membership.pk}/change/",
        {"user": users["viewer"].pk, "tenant": tenant.pk, "role_by_hand": "editor"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="membership.change")
    assert event.changes == {
        "role": {"from": "viewer", "to": "editor"},
        "role_by_hand": {"from": "viewer", "to": "editor"},
    }
    assert event.actor_username == "root"


def test_the_audit_page_shows_a_tenant_admin_that_tenants_events_with_filters(
    client_as, users, tenant, other_tenant
):
    for app_id, action, who in [("1000", "app.update", "alice"), ("1001", "app.delete", "eddie")]:
        AuditEvent.objects.create(
            tenant_id=tenant.tenant_id,
            app_id=app_id,
            action=action,
            outcome="ok",
            actor_username=who,
        )
    AuditEvent.objects.create(
        tenant_id=other_tenant.tenant_id,
        app_id="9",
        action="app.create",
        outcome="ok",
        actor_username="mallory",
    )
    client = client_as("admin")
    url = f"/tenants/{tenant.tenant_id}/audit/"
    page = client.get(url).content.decode()
    # Every event of the tenant from the start, in words, the newest first; none of another's.
    assert "2 events, newest first" in page
    assert page.index('title="app.delete">App deleted') < page.index(
        'title="app.update">App changed'
    )
    assert "mallory" not in page
    filtered = client.get(url, {"action": "app.delete"}).content.decode()
    assert 'title="app.delete">App deleted' in filtered
    assert 'title="app.update">' not in filtered
    by_user = client.get(url, {"user": "alice"}).content.decode()
    assert "<td>alice</td>" in by_user and "<td>eddie</td>" not in by_user
    by_app = client.get(url, {"app": "1001"}).content.decode()
    assert ">1001</a></td>" in by_app and ">1000</a></td>" not in by_app
    future = client.get(url, {"since": "2999-01-01"}).content.decode()
    assert "No events match these filters." in future
    # A filter that makes no sense is said so and narrows nothing.
    bad = client.get(url, {"since": "yesterday"}).content.decode()
    assert "A filter was not understood and is ignored" in bad and "2 events" in bad


@pytest.mark.parametrize(
    ("actor", "status"),
    [("viewer", 403), ("editor", 403), ("outsider", 404), ("admin", 200), ("superuser", 200)],
)
def test_only_tenant_admins_see_the_audit_page(client_as, tenant, emulator, actor, status):
    emulator.reset_stats()
    assert client_as(actor).get(f"/tenants/{tenant.tenant_id}/audit/").status_code == status
    assert emulator.stats()["api_calls"] == emulator.stats()["auth_calls"] == 0


def test_anonymous_users_are_sent_to_log_in_from_the_audit_page(client, tenant):
    response = client.get(f"/tenants/{tenant.tenant_id}/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_passwords_never_reach_the_audit_log(client, users):
    client.post("/login/", {"username": "vera", "password": PASSWORD + "x"})
    for event in AuditEvent.objects.all():
        assert PASSWORD not in repr(event.__dict__)


def test_control_characters_and_overlong_values_are_cleaned_before_storing(users):
    recorded = audit.record(None, "app.update", app_id="1\x00" + "9" * 100, username="a\nb")
    recorded.refresh_from_db()
    assert recorded.app_id == "1" + "9" * 63
    assert recorded.actor_username == "ab"


def test_changes_read_as_what_happened(client_as, tenant):
    for action, changes in [
        (
            "app.update",
            {"domains": {"from": ["a.example", "b.example"], "to": ["b.example", "c.example"]}},
        ),
        ("app.suspend", {"status": {"from": "active", "to": "suspended"}}),
        ("app.update", {"recording_service_account_key": {"from": "(changed)", "to": "(changed)"}}),
        ("app.create", {"recording_service_account_key": {"from": "(changed)", "to": "(changed)"}}),
        ("app.update", {"permissions": {"from": ["TURN", "SFU"], "to": ["SFU", "TURN"]}}),
    ]:
        AuditEvent.objects.create(
            tenant_id=tenant.tenant_id, app_id="1000", action=action, changes=changes
        )
    page = client_as("admin").get(f"/tenants/{tenant.tenant_id}/audit/").content.decode()
    assert "Domains</span>: added c.example; removed a.example" in page
    assert "Status</span>: active → suspended" in page
    assert "Recording service account key</span>: replaced" in page
    assert "Recording service account key</span>: set" in page
    assert "Permissions</span>: the same, in another order" in page
    assert "['" not in page and "(changed)" not in page  # no Python lists, no placeholders
    japanese = (
        client_as("admin")
        .get(f"/tenants/{tenant.tenant_id}/audit/", HTTP_ACCEPT_LANGUAGE="ja")
        .content.decode()
    )
    assert "ドメイン</span>: c.example を追加; a.example を削除" in japanese
    assert "アプリケーション一時停止" in japanese


def test_the_filtered_events_export_as_csv_and_for_excel(client_as, tenant):
    import csv
    import io

    AuditEvent.objects.create(
        tenant_id=tenant.tenant_id,
        app_id="1000",
        action="app.update",
        outcome="ok",
        actor_username="=cmd|calc",
        changes={"description": {"from": "a", "to": "b"}},
    )
    AuditEvent.objects.create(tenant_id=tenant.tenant_id, app_id="1001", action="app.delete")
    client = client_as("admin")
    url = f"/tenants/{tenant.tenant_id}/audit/export.csv"
    plain = client.get(url, {"app": "1000"})
    assert plain.status_code == 200 and "no-store" in plain["Cache-Control"]
    rows = list(csv.reader(io.StringIO(plain.content.decode())))
    assert rows[0][:4] == ["at", "user", "action", "action_label"]
    assert [row[4] for row in rows[1:]] == ["1000"]  # the filter applies
    assert rows[1][1] == "'=cmd|calc"  # guarded
    assert rows[0][5:7] == ["outcome", "outcome_label"]
    assert rows[1][5:7] == ["ok", "done"]
    assert rows[1][7] == "description: a → b"
    excel = client.get(url, {"for": "excel"})
    assert excel.content.startswith("\ufeff".encode()) and b"1001" in excel.content
    assert client_as("editor").get(url).status_code == 403


def test_the_audit_log_has_the_tenant_tabs_and_an_app_page_its_last_events(client_as, tenant):
    for number in range(7):
        AuditEvent.objects.create(
            tenant_id=tenant.tenant_id,
            app_id="1000",
            action="app.update",
            actor_username=f"user{number}",
        )
    client = client_as("admin")
    log = client.get(f"/tenants/{tenant.tenant_id}/audit/").content.decode()
    assert '<nav class="tenant-nav"' in log and 'aria-current="page">Audit log' in log
    detail = client.get(f"/tenants/{tenant.tenant_id}/apps/1000/").content.decode()
    assert "Recent changes" in detail
    assert detail.count("App changed") == 5  # the last five
    assert "user6" in detail and "user1" not in detail
    assert f'href="/tenants/{tenant.tenant_id}/audit/?app=1000"' in detail
    # Viewers see no events (the audit log is the tenant admins').
    assert (
        "Recent changes"
        not in client_as("viewer").get(f"/tenants/{tenant.tenant_id}/apps/1000/").content.decode()
    )


def test_the_audit_log_says_unknown_and_settled_outcomes_in_words(client_as, tenant):
    for outcome in ("ok", "settled_done", "settled_not_done", "unknown", "pending", "Conflict"):
        AuditEvent.objects.create(
            tenant_id=tenant.tenant_id, app_id="1000", action="app.update", outcome=outcome
        )
    AuditEvent.objects.create(
        tenant_id=tenant.tenant_id,
        action="app.create",
        outcome="unknown",
        findings={"read_back": "found", "apps": [{"id": "1003", "created_at": "x"}]},
    )
    html = client_as("admin").get(f"/tenants/{tenant.tenant_id}/audit/").content.decode()
    for words in (
        ">done<",
        "done: ECL&#x27;s answer was lost, and reading back showed the change",
        "not done: ECL&#x27;s answer was lost, and reading back showed no change",
        "outcome unknown: ECL&#x27;s answer was lost, and reading back could not tell",
        "in progress, or its outcome could not be recorded",
        "failed: Conflict",
        "could not tell (it may be app 1003)",
    ):
        assert words in html, words
    # Only a refusal is shown as a failure; an unknown or pending outcome is not.
    assert html.count('class="outcome-failed"') == 1
    assert html.count('class="outcome-not-done"') == 1
    assert html.count('class="outcome-unknown"') == 3
    japanese = client_as("admin").get(
        f"/tenants/{tenant.tenant_id}/audit/", HTTP_ACCEPT_LANGUAGE="ja"
    )
    assert (
        "完了: ECL の応答は失われましたが、読み直しで変更を確認しました"
        in japanese.content.decode()
    )
