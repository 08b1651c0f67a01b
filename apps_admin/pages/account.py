"""Confirming one's password before a secret is shown or renewed."""

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from apps_admin import reauth


class ConfirmPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )


def _safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url("apps_admin:home")


@sensitive_post_parameters("password")
@never_cache
@login_required
def reauthenticate(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    form = ConfirmPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Through authenticate() so that django-axes counts a wrong password toward the lockout.
        user = authenticate(
            request, username=request.user.get_username(), password=form.cleaned_data["password"]
        )
        if user is not None and user.pk == request.user.pk:
            reauth.mark(request)
            return HttpResponseRedirect(next_url)
        form.add_error("password", gettext("That password is not correct."))
    return render(
        request,
        "apps_admin/reauth.html",
        {
            "form": form,
            "next": next_url,
            "title": gettext("Confirm your password"),
            "reauth_minutes": settings.REAUTH_WINDOW // 60,
        },
    )


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer once a username is locked for an address (AXES_LOCKOUT_CALLABLE)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "apps_admin/locked_out.html",
        {"title": gettext("Too many failed attempts"), "cooloff_minutes": minutes},
        status=429,
    )
