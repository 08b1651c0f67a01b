"""`/account/tokens/`: a person's API tokens for the REST API, listed, made (shown once), revoked.

A new token is in the body of the POST's answer only (never in a URL, a message or a log), and no
answer of this page is cached. Making one needs a recent confirmation, since a token with the
`secrets` scope reaches secret keys without one: the form asks for the password (and the second
factor) itself and makes the token with the same POST; a person of the identity provider signs in
there again and comes back to the form as they sent it (`pending_post`), without retyping. Nobody
sees or revokes another person's tokens here (superusers can, in Django admin).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from apps_admin import audit
from apps_admin.access import SignedInRequest
from apps_admin.accounts import api_tokens as tokens
from apps_admin.accounts import pending_post
from apps_admin.accounts.oidc import provider_users
from apps_admin.models import TOKEN_DAYS_DEFAULT, ApiToken, TokenScope
from apps_admin.pages.account import ProviderConfirmation, unconfirmed, unconfirmed_form

# How long a revoked or expired token stays on the page, greyed.
ENDED_SHOWN = timedelta(days=30)


def _days_label(days: int) -> str:
    # The number named by its key keeps the label lazy: translated when the form is shown.
    return ngettext_lazy("%(days)d day", "%(days)d days", "days") % {"days": days}


class NewTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=gettext_lazy("What the token is for: the script or machine that uses it."),
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("Scope"),
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Your role in each tenant still applies: a read-write token of a viewer only reads."
        ),
    )
    days = forms.TypedChoiceField(
        label=gettext_lazy("Expires in"),
        choices=[(days, _days_label(days)) for days in tokens.DAY_CHOICES],
        coerce=int,
        initial=TOKEN_DAYS_DEFAULT,
    )


@sensitive_post_parameters("password")
@never_cache  # Cache-Control: no-store among others: an answer may hold a new token
@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: SignedInRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request, NewTokenForm(), confirm_revoke=request.GET.get("revoke", ""))
    action = request.POST.get("action")
    if action == "create":
        return _create(request)
    if action == "revoke":
        return _revoke(request)
    return HttpResponse(_("Unknown action."), status=400, content_type="text/plain")


def _create(request: SignedInRequest) -> HttpResponse:
    form = NewTokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form)
    confirmation = unconfirmed(request)
    if isinstance(confirmation, ProviderConfirmation):
        pending_post.keep(request)
        return HttpResponseRedirect(provider_users.fresh_sign_in_url(reverse("apps_admin:resume")))
    if confirmation is not None:
        return _page(request, form, confirmation=confirmation, status=400)
    token, text = tokens.issue(request.user, **form.cleaned_data)
    audit.record(request, "token.create", changes=tokens.creation_changes(token))
    return _page(request, NewTokenForm(), new_token=text, new=token)


def _token_id(text: str) -> int | None:
    """A token's id from a form or a query string; None when it is not one the database could
    even be asked about."""
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


def _revoke(request: SignedInRequest) -> HttpResponse:
    token_id = _token_id(request.POST.get("token", ""))
    if token_id is None:
        raise Http404
    # Another person's token is as unknown as one that does not exist.
    token = get_object_or_404(
        ApiToken.objects.select_related("user"), pk=token_id, user=request.user
    )
    if request.POST.get("confirm") != "yes":
        # Revoking cannot be undone: asked first, in the token's row, whatever sent this.
        return HttpResponseRedirect(f"{request.path}?revoke={token.pk}#revoke-{token.pk}")
    if tokens.revoke(token):
        audit.record(request, "token.revoke", changes=tokens.revocation_changes(token))
        messages.success(
            request,
            _("The API token “%(name)s” was revoked; scripts using it now get 401.")
            % {"name": token.name},
        )
    return HttpResponseRedirect(request.path)


def _page(
    request: SignedInRequest,
    form: NewTokenForm,
    *,
    new_token: str = "",
    new: ApiToken | None = None,
    confirm_revoke: str = "",
    confirmation: Any = None,
    status: int = 200,
) -> HttpResponse:
    mine = ApiToken.objects.filter(user=request.user)
    now = timezone.now()
    since = now - ENDED_SHOWN
    ended = mine.filter(
        Q(revoked_at__gte=since)
        | Q(revoked_at__isnull=True, expires_at__lte=now, expires_at__gte=since)
    )
    return render(
        request,
        "apps_admin/api_tokens.html",
        {
            "title": _("API tokens"),
            "form": form,
            "live": mine.live(),
            "ended": ended,
            "new_token": new_token,
            "new": new,
            # The token whose revocation is asked (its row's question open), if any.
            "confirm_revoke": _token_id(confirm_revoke),
            "password_form": confirmation or unconfirmed_form(request),
        },
        status=status,
    )
