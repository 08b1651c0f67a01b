"""Confirming one's password before a secret is shown or regenerated."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from apps_admin.accounts import pending_post, reauth
from apps_admin.accounts.oidc import provider_users


class ConfirmPasswordForm(forms.Form):
    password = forms.CharField(
        required=True,
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )


class ProviderConfirmation:
    """In place of the password form for a person who signs in through the identity provider:
    the link to a fresh sign-in there, which comes back to `url`'s page."""

    errors: dict = {}

    def __init__(self, next_path: str) -> None:
        self.url = provider_users.fresh_sign_in_url(next_path)
        self.provider = settings.OIDC_PROVIDER_NAME


def unconfirmed(request: HttpRequest) -> ConfirmPasswordForm | ProviderConfirmation | None:
    """None when the person's password was confirmed recently, or is confirmed by this very
    POST (its `password` field: the form that asks for a secret asks for the password too);
    otherwise the password form to show, with its error when a wrong password was sent, or
    for a person of the identity provider the way to a fresh sign-in there."""
    if reauth.is_recent(request):
        return None
    if provider_users.is_provider_user(request.user):
        return ProviderConfirmation(request.get_full_path())
    if request.method != "POST" or "password" not in request.POST:
        return ConfirmPasswordForm()
    form = ConfirmPasswordForm(request.POST)
    if form.is_valid():
        # Through authenticate() so that django-axes counts a wrong password toward the lockout.
        user = authenticate(
            request, username=request.user.get_username(), password=form.cleaned_data["password"]
        )
        if user is not None and user.pk == request.user.pk:
            reauth.mark(request)
            return None
        form.add_error("password", gettext("That password is not correct."))
    return form


def unconfirmed_form(request: HttpRequest) -> ConfirmPasswordForm | ProviderConfirmation | None:
    """What a page that guards a secret shows before its POST: nothing when confirmed
    recently, else the password form or the way to a fresh sign-in at the provider."""
    if reauth.is_recent(request):
        return None
    if provider_users.is_provider_user(request.user):
        return ProviderConfirmation(request.get_full_path())
    return ConfirmPasswordForm()


@never_cache
@login_required
def resume(request: HttpRequest) -> HttpResponse:
    """GET /resume/: the form the person sent while a check was due, to send again as it was
    (`pending_post`); its POST goes to the form's own page, which checks everything again."""
    pending = pending_post.take(request)
    if pending is None:
        messages.info(request, gettext("There is no form waiting to be sent again."))
        return HttpResponseRedirect(resolve_url("apps_admin:home"))
    return render(
        request,
        "apps_admin/resume.html",
        {"title": gettext("Send your form again"), "pending": pending},
    )


@sensitive_post_parameters("password")
@never_cache
@login_required
def reauthenticate(request: HttpRequest) -> HttpResponse:
    next_url = reauth.safe_next(request)
    if provider_users.is_provider_user(request.user) and not reauth.is_recent(request):
        return HttpResponseRedirect(provider_users.fresh_sign_in_url(next_url))
    form = unconfirmed(request)
    if form is None and request.method == "POST":
        return HttpResponseRedirect(next_url)
    form = form or ConfirmPasswordForm()
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
