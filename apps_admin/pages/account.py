"""Confirming one's password (and second factor) before a secret is shown or regenerated or an
API token made, the page that sends a kept form again, and django-axes' lockout page."""

import logging
from typing import Any

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

from apps_admin import audit
from apps_admin.accounts import passkeys, pending_post, reauth, second_factor
from apps_admin.accounts.oidc import provider_users

logger = logging.getLogger(__name__)


class ConfirmPasswordForm(forms.Form):
    """The password, and the second factor when the person has one (or LOCAL_MFA requires
    one): a code (authenticator app or recovery code) or a passkey's answer."""

    password = forms.CharField(
        required=True,
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.asks_factor = user is not None and second_factor.asked(user)
        self.must_enrol = self.asks_factor and not second_factor.enrolled(user)
        self.has_passkey = self.asks_factor and second_factor.has_passkey(user)
        self.has_code = self.asks_factor and (
            second_factor.has_totp(user) or second_factor.recovery_codes_left(user) > 0
        )
        if self.asks_factor and not self.must_enrol:
            self.fields.update(SecondFactorFields().fields)


class SecondFactorFields(forms.Form):
    code = forms.CharField(
        required=False,
        label=_("Code from your authenticator app (or a recovery code)"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )
    passkey_answer = forms.CharField(
        required=False, widget=forms.HiddenInput(attrs={"data-passkey-answer": ""})
    )


def check_second_factor(request: HttpRequest, form: forms.Form) -> bool:
    """The second factor of a bound form (a passkey's answer, else a code); its error on the
    form when it is wrong. Wrong ones count toward the person's limit."""
    user = request.user
    if second_factor.too_many_failures(user):
        form.add_error(None, gettext("Too many wrong codes: wait a few minutes and try again."))
        return False
    answer = form.cleaned_data.get("passkey_answer") or ""
    if answer:
        try:
            passkeys.authenticate(request, answer)
        except passkeys.PasskeyRefused as problem:
            logger.info("passkey refused for %s: %s", user.get_username(), problem)
            second_factor.count_failure(user)
            form.add_error(None, gettext("The passkey was not accepted; try again or use a code."))
            return False
        second_factor.clear_failures(user)
        return True
    code = form.cleaned_data.get("code") or ""
    if not code:
        form.add_error("code", gettext("Enter the code from your authenticator app."))
        return False
    if second_factor.verify_code(user, code) is None:
        audit.record(
            request,
            "login.failed",
            outcome="denied",
            changes={"second_factor": {"from": None, "to": "wrong code"}},
        )
        form.add_error("code", gettext("That code is not correct, or was already used."))
        return False
    return True


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
        return ConfirmPasswordForm(user=request.user)
    form = ConfirmPasswordForm(request.POST, user=request.user)
    if form.must_enrol:
        return form  # the template links to the enrolment page instead
    if form.is_valid():
        # Through authenticate() so that django-axes counts a wrong password toward the lockout.
        user = authenticate(
            request, username=request.user.get_username(), password=form.cleaned_data["password"]
        )
        if user is None or user.pk != request.user.pk:
            form.add_error("password", gettext("That password is not correct."))
        elif not form.asks_factor or check_second_factor(request, form):
            reauth.mark(request)
            return None
    return form


def unconfirmed_form(request: HttpRequest) -> ConfirmPasswordForm | ProviderConfirmation | None:
    """What a page that guards a secret shows before its POST: nothing when confirmed
    recently, else the password form or the way to a fresh sign-in at the provider."""
    if reauth.is_recent(request):
        return None
    if provider_users.is_provider_user(request.user):
        return ProviderConfirmation(request.get_full_path())
    return ConfirmPasswordForm(user=request.user)


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
    form = form or ConfirmPasswordForm(user=request.user)
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
