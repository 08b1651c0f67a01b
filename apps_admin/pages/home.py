"""The landing page after login: the user's only tenant's apps, or the list of their tenants."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps_admin.access import visible_tenants


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    tenants = visible_tenants(request.user)
    if len(tenants) == 1:
        return HttpResponseRedirect(reverse("apps_admin:app_list", args=[tenants[0][0].tenant_id]))
    return render(
        request,
        "apps_admin/home.html",
        {"title": _("Your tenants"), "memberships": tenants},
    )
