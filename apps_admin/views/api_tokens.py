"""`/account/tokens/`: a person's own API token for the REST API, created (shown once) and revoked.

DRF's token model holds one token per user: creating one replaces the old one. The new key is in
the body of the POST's answer only (never in a URL, a message or a log) and that answer is not
cached. Creating a token needs a recent password confirmation, since a token reaches secret keys
without one.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from apps_admin import audit, reauth


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "create":
        if not reauth.is_recent(request):
            return HttpResponseRedirect(reauth.reauth_url(request.path))
        with transaction.atomic():
            Token.objects.filter(user=request.user).delete()
            token = Token.objects.create(user=request.user)
        audit.record(request, "token.create")
        return _page(request, token=token, new_key=token.key)
    if action == "revoke":
        deleted, _kinds = Token.objects.filter(user=request.user).delete()
        if deleted:
            audit.record(request, "token.revoke")
            messages.success(
                request, _("Your API token was revoked; scripts using it now get 401.")
            )
        return HttpResponseRedirect(request.path)
    if request.method == "POST":
        return HttpResponse(_("Unknown action."), status=400, content_type="text/plain")
    return _page(request, token=Token.objects.filter(user=request.user).first())


def _page(request: HttpRequest, *, token: Token | None, new_key: str = "") -> HttpResponse:
    # never_cache sends Cache-Control: no-store among others: the page may hold the new key.
    return render(
        request,
        "apps_admin/api_tokens.html",
        {"title": _("API tokens"), "token": token, "new_key": new_key},
    )
