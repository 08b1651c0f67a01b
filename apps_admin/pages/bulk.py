"""Bulk Suspend, Activate or Delete of the apps selected in the list: confirm, then one call each.

The confirmation names the apps (one list call); the action makes one ECL call per app and ends
with one message saying what succeeded and what failed and why. When ECL stops answering for the
whole tenant, or the action's time budget (ECL_CALL_BUDGET) runs out, the remaining apps are not
tried and the message says so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy
from django.views.decorators.http import require_POST

from apps_admin import app_actions, ecl
from apps_admin.access import tenant_view
from apps_admin.listing import ListingError
from apps_admin.models import Role, Tenant
from apps_admin.pages import app_table
from apps_admin.pages.common import tenant_context
from apps_admin.pages.errors import describe, render_error

MAX_SELECTED = 1000
# Errors about the tenant or ECL as a whole: the next app would fail the same way.
TENANT_WIDE = (
    ecl.UpstreamUnavailable,
    ecl.UpstreamTimeout,
    ecl.TenantUnavailable,
    ecl.CredentialsRejected,
    ecl.TenantMisconfigured,
    ecl.TokenRejected,
)


@dataclass(frozen=True)
class Action:
    """The words of one bulk action: whole sentences, since a language such as Japanese cannot
    build them from a verb and a participle."""

    # Lazy texts; those with %(count)d choose their plural form by `count` when formatted.
    heading: Promise  # "Suspend selected apps"
    question: Promise  # "Suspend %(count)d apps?"
    caption: Promise  # "%(count)d apps to suspend"
    confirm: Promise  # "Yes, suspend %(count)d apps"
    done: Promise  # "Suspended %(count)d apps."
    done_some: Promise  # "Suspended %(done)d of %(count)d apps."
    none_selected: Promise  # "Select at least one app to suspend."


ACTIONS = {
    "suspend": Action(
        heading=gettext_lazy("Suspend selected apps"),
        question=ngettext_lazy("Suspend %(count)d app?", "Suspend %(count)d apps?", "count"),
        caption=ngettext_lazy("%(count)d app to suspend", "%(count)d apps to suspend", "count"),
        confirm=ngettext_lazy("Yes, suspend %(count)d app", "Yes, suspend %(count)d apps", "count"),
        done=ngettext_lazy("Suspended %(count)d app.", "Suspended %(count)d apps.", "count"),
        done_some=ngettext_lazy(
            "Suspended %(done)d of %(count)d app.", "Suspended %(done)d of %(count)d apps.", "count"
        ),
        none_selected=gettext_lazy("Select at least one app to suspend."),
    ),
    "activate": Action(
        heading=gettext_lazy("Activate selected apps"),
        question=ngettext_lazy("Activate %(count)d app?", "Activate %(count)d apps?", "count"),
        caption=ngettext_lazy("%(count)d app to activate", "%(count)d apps to activate", "count"),
        confirm=ngettext_lazy(
            "Yes, activate %(count)d app", "Yes, activate %(count)d apps", "count"
        ),
        done=ngettext_lazy("Activated %(count)d app.", "Activated %(count)d apps.", "count"),
        done_some=ngettext_lazy(
            "Activated %(done)d of %(count)d app.", "Activated %(done)d of %(count)d apps.", "count"
        ),
        none_selected=gettext_lazy("Select at least one app to activate."),
    ),
    "delete": Action(
        heading=gettext_lazy("Delete selected apps"),
        question=ngettext_lazy("Delete %(count)d app?", "Delete %(count)d apps?", "count"),
        caption=ngettext_lazy("%(count)d app to delete", "%(count)d apps to delete", "count"),
        confirm=ngettext_lazy("Yes, delete %(count)d app", "Yes, delete %(count)d apps", "count"),
        done=ngettext_lazy("Deleted %(count)d app.", "Deleted %(count)d apps.", "count"),
        done_some=ngettext_lazy(
            "Deleted %(done)d of %(count)d app.", "Deleted %(done)d of %(count)d apps.", "count"
        ),
        none_selected=gettext_lazy("Select at least one app to delete."),
    ),
}


def _selected(values: list[str]) -> list[str]:
    ids = []
    for value in values:
        value = value.strip()
        if value and len(value) <= 64 and value not in ids:
            ids.append(value)
    return ids[:MAX_SELECTED]


def _list_url(tenant: Tenant, request: HttpRequest) -> str:
    """The list as the user left it (search, filters, order, page), rebuilt from known keys."""
    try:
        params = app_table.Query.from_params(QueryDict(request.POST.get("return", ""))).params()
    except ListingError:  # a page number that is none: the list as it opens
        params = {}
    url = reverse("apps_admin:app_list", args=[tenant.tenant_id])
    return url + ("?" + urlencode(params) if params else "")


def _apply(request: HttpRequest, tenant: Tenant, action: str, app_id: str) -> ecl.ECLError | None:
    """Carry out one app's part of the bulk action; the error, if any."""
    try:
        if action == "delete":
            app_actions.delete(request, tenant, app_id)
        else:
            status = "suspended" if action == "suspend" else "active"
            app_actions.set_status(request, tenant, app_id, status)
    except ecl.ECLError as error:
        return error
    return None


def summary(action: Action, done: list[str], failed: dict[str, list[str]], skipped: list[str]):
    """One message: what succeeded, what failed and why, what was not tried."""
    total = len(done) + sum(len(ids) for ids in failed.values()) + len(skipped)
    parts = []
    if done and not failed and not skipped:
        parts.append(action.done % {"count": len(done)})
    else:
        parts.append(action.done_some % {"count": total, "done": len(done)})
    for reason, ids in failed.items():
        parts.append(
            _("Failed for %(apps)s: %(reason)s") % {"apps": ", ".join(ids), "reason": reason}
        )
    if skipped:
        parts.append(_("Not tried, so unchanged: %(apps)s.") % {"apps": ", ".join(skipped)})
    level = messages.SUCCESS if not failed and not skipped else messages.WARNING
    if not done:
        level = messages.ERROR
    return level, " ".join(parts)


@require_POST
@tenant_view(Role.EDITOR)
def bulk(request: HttpRequest, tenant: Tenant, role: Role) -> HttpResponse:
    back = _list_url(tenant, request)
    action = ACTIONS.get(request.POST.get("action", ""))
    ids = _selected(request.POST.getlist("app"))
    if action is None:
        messages.error(request, _("Choose Suspend, Activate or Delete for the selected apps."))
        return HttpResponseRedirect(back)
    if not ids:
        messages.warning(request, str(action.none_selected))
        return HttpResponseRedirect(back)
    key = request.POST["action"]

    if request.POST.get("confirm") != "yes":
        try:
            apps = {app.id: app for app in ecl.app_list(tenant, expand=True)}
        except ecl.ECLError as error:
            return render_error(
                request, error, tenant, back_url=back, back_label=_("Back to the apps")
            )
        chosen = [apps[i] for i in ids if i in apps]
        context = tenant_context(
            tenant,
            role,
            title=action.question % {"count": len(ids)},
            action=action,
            action_key=key,
            caption=action.caption % {"count": len(chosen)},
            confirm_label=action.confirm % {"count": len(chosen)},
            chosen=chosen,
            missing=[i for i in ids if i not in apps],
            return_query=request.POST.get("return", ""),
            back_url=back,
        )
        return render(request, "apps_admin/bulk_confirm.html", context)

    done: list[str] = []
    failed: dict[str, list[str]] = defaultdict(list)
    skipped: list[str] = []
    # The whole action has one operation's budget, so that it ends before the worker timeout.
    with ecl.shared_deadline() as deadline:
        for index, app_id in enumerate(ids):
            if not deadline.allows_another_attempt():
                skipped = ids[index:]
                break
            error = _apply(request, tenant, key, app_id)
            if error is None:
                done.append(app_id)
                continue
            failed[describe(error, changing=True).message].append(app_id)
            if isinstance(error, TENANT_WIDE):
                skipped = ids[index + 1 :]
                break
    level, text = summary(action, done, dict(failed), skipped)
    messages.add_message(request, level, text)
    return HttpResponseRedirect(back)
