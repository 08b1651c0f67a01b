"""Deleting an app: a page that names what breaks and asks for the app's ID typed out."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps_admin import app_actions, ecl
from apps_admin.access import tenant_view
from apps_admin.models import Role, Tenant
from apps_admin.pages.common import app_label, app_url, readable_part, tenant_context
from apps_admin.pages.errors import render_error
from apps_admin.pages.forms import DeleteConfirmForm


@require_http_methods(["GET", "POST"])
@tenant_view(Role.EDITOR)
def app_delete(request: HttpRequest, tenant: Tenant, role: Role, app_id: str) -> HttpResponse:
    form = DeleteConfirmForm(request.POST or None, expected=app_id)
    if request.method == "POST" and form.is_valid():
        try:
            app_actions.delete(request, tenant, app_id)
        except ecl.ECLError as error:
            return render_error(
                request,
                error,
                tenant,
                back_url=app_url(tenant, app_id),
                back_label=_("Back to the app"),
            )
        messages.success(request, _("App %(id)s was deleted.") % {"id": app_id})
        return HttpResponseRedirect(reverse("apps_admin:app_list", args=[tenant.tenant_id]))

    try:
        app = ecl.app_get_answer(tenant, app_id).value
    except ecl.ECLError as error:
        return render_error(request, error, tenant)
    # An app ECL sent unreadably can still be deleted.
    shown = readable_part(app, app_id) if isinstance(app, ecl.UnreadableApp) else app
    title = _("Delete %(app)s") % {"app": app_label(shown)}
    context = tenant_context(tenant, role, title=title, app=shown, form=form)
    return render(request, "apps_admin/app_delete.html", context)
