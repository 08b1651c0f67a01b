"""A local account's second factor: the prompt after the password (`/login/verify/`), the
enrolment page under the account (`/account/security/`: an authenticator app, passkeys, recovery
codes), and the passkey ceremonies' options. People of the identity provider have none here.

Adding a factor to an account that has one, removing one, and new recovery codes need a recent
confirmation (password and second factor); the first factor of an account needs only its
signed-in session, as the gate (accounts/second_factor_gate.py) sends a person there who must
enrol. Recovery codes are shown once, in the answer that makes them.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from apps_admin import audit
from apps_admin.access import SignedInRequest
from apps_admin.accounts import passkeys, reauth, second_factor, totp
from apps_admin.accounts.oidc import provider_users
from apps_admin.models import Passkey
from apps_admin.pages.account import SecondFactorFields, check_second_factor


class PasskeyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name of the passkey"),
        max_length=100,
        initial=gettext_lazy("My passkey"),
        help_text=gettext_lazy("Which device or password manager holds it."),
    )
    passkey_answer = forms.CharField(
        required=False, widget=forms.HiddenInput(attrs={"data-passkey-answer": ""})
    )


@sensitive_post_parameters("code", "passkey_answer")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request: SignedInRequest) -> HttpResponse:
    """The second factor after the password."""
    next_url = reauth.safe_next(request)
    if request.session.get(second_factor.SESSION_KEY) == second_factor.VERIFIED:
        return HttpResponseRedirect(next_url)
    if not second_factor.enrolled(request.user):
        return HttpResponseRedirect(reverse("apps_admin:security"))
    form = SecondFactorFields(request.POST or None)
    if request.method == "POST" and form.is_valid() and check_second_factor(request, form):
        second_factor.mark_verified(request)
        return HttpResponseRedirect(next_url)
    return render(
        request,
        "apps_admin/second_factor.html",
        {
            "title": _("Your second factor"),
            "form": form,
            "next": next_url,
            "has_code": second_factor.has_totp(request.user)
            or second_factor.recovery_codes_left(request.user) > 0,
            "has_passkey": second_factor.has_passkey(request.user),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def passkey_options(request: SignedInRequest) -> HttpResponse:
    """The options of a passkey ceremony (JSON), its challenge kept in the session."""
    if provider_users.is_provider_user(request.user):
        return HttpResponse(status=404)
    purpose = request.POST.get("purpose")
    if purpose == "register":
        body = passkeys.registration_options(request)
    elif purpose == "authenticate" and second_factor.has_passkey(request.user):
        body = passkeys.authentication_options(request)
    else:
        return HttpResponse(_("Unknown passkey ceremony."), status=400, content_type="text/plain")
    return HttpResponse(body, content_type="application/json")


@sensitive_post_parameters("code", "passkey_answer")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def security(request: SignedInRequest) -> HttpResponse:
    user = request.user
    if provider_users.is_provider_user(user):
        return _page(request, provider=True)
    if request.method == "GET":
        return _page(request)
    action = request.POST.get("action", "")
    first = not second_factor.enrolled(user)
    if not first and action != "totp_confirm" and not reauth.is_recent(request):
        messages.info(request, _("Confirm your password and second factor first."))
        return HttpResponseRedirect(reauth.reauth_url(request.path))
    handler = {
        "totp_start": _totp_start,
        "totp_confirm": _totp_confirm,
        "totp_remove": _totp_remove,
        "passkey_add": _passkey_add,
        "passkey_remove": _passkey_remove,
        "recovery_codes": _recovery_codes,
    }.get(action)
    if handler is None:
        return HttpResponse(_("Unknown action."), status=400, content_type="text/plain")
    return handler(request, first)


def _enrolled(request: SignedInRequest, first: bool, factor: str) -> HttpResponse:
    """After a new factor: audited; the first one comes with recovery codes, shown once."""
    audit.record(request, "mfa.enrol", changes={"factor": {"from": None, "to": factor}})
    second_factor.mark_verified(request)  # they just showed they hold it
    codes = second_factor.new_recovery_codes(request.user) if first else []
    messages.success(request, _("Your second factor is set up."))
    if not codes:
        return HttpResponseRedirect(request.path)
    return _page(request, recovery_codes=codes)


def _totp_start(request: SignedInRequest, first: bool) -> HttpResponse:
    if second_factor.has_totp(request.user):
        return HttpResponse(_("Remove your authenticator app first."), status=400)
    totp.start(request.user)
    return _page(request)


def _totp_confirm(request: SignedInRequest, first: bool) -> HttpResponse:
    device = totp.pending(request.user)
    if device is None:
        return HttpResponseRedirect(request.path)
    if not totp.confirm(device, request.POST.get("code", "")):
        return _page(
            request, totp_error=_("That code is not correct: enter the code the app shows now.")
        )
    return _enrolled(request, first, "authenticator app")


def _passkey_add(request: SignedInRequest, first: bool) -> HttpResponse:
    form = PasskeyForm(request.POST)
    if not form.is_valid():
        return _page(request, passkey_form=form)
    try:
        passkey = passkeys.register(
            request, form.cleaned_data["name"], form.cleaned_data["passkey_answer"]
        )
    except passkeys.PasskeyRefused as problem:
        form.add_error(None, _("The passkey was not added: %(why)s") % {"why": problem})
        return _page(request, passkey_form=form)
    return _enrolled(request, first, f"passkey: {passkey.name}")


def _removal_allowed(request: SignedInRequest, factors_left: int) -> bool:
    if factors_left == 0 and second_factor.required(request.user):
        messages.error(
            request,
            _("Your account must keep a second factor: add another before removing this one."),
        )
        return False
    return True


def _totp_remove(request: SignedInRequest, first: bool) -> HttpResponse:
    if _removal_allowed(request, passkeys.count(request.user)):
        second_factor.remove_totp(request.user)
        audit.record(
            request, "mfa.remove", changes={"factor": {"from": "authenticator app", "to": None}}
        )
        messages.success(request, _("The authenticator app was removed."))
    return HttpResponseRedirect(request.path)


def _passkey_remove(request: SignedInRequest, first: bool) -> HttpResponse:
    passkey = Passkey.objects.filter(
        user=request.user, pk=_int(request.POST.get("passkey"))
    ).first()
    if passkey is None:
        return HttpResponse(_("No such passkey."), status=404)
    left = passkeys.count(request.user) - 1 + int(second_factor.has_totp(request.user))
    if _removal_allowed(request, left):
        passkey.delete()
        audit.record(
            request,
            "mfa.remove",
            changes={"factor": {"from": f"passkey: {passkey.name}", "to": None}},
        )
        messages.success(request, _("The passkey “%(name)s” was removed.") % {"name": passkey.name})
    return HttpResponseRedirect(request.path)


def _recovery_codes(request: SignedInRequest, first: bool) -> HttpResponse:
    if first:
        return HttpResponse(_("Set up a second factor first."), status=400)
    codes = second_factor.new_recovery_codes(request.user)
    audit.record(
        request, "mfa.recovery_codes", changes={"recovery_codes": {"from": None, "to": len(codes)}}
    )
    return _page(request, recovery_codes=codes)


def _int(value: str | None) -> int:
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 18 else 0


def _page(
    request: SignedInRequest,
    *,
    provider: bool = False,
    recovery_codes: list[str] | None = None,
    totp_error: str = "",
    passkey_form: PasskeyForm | None = None,
) -> HttpResponse:
    user = request.user
    context = {"title": _("Sign-in security"), "provider": provider}
    if not provider:
        device = totp.pending(user)
        context.update(
            {
                "has_totp": second_factor.has_totp(user),
                "pending_totp": device,
                "totp_secret": device.secret if device else "",
                "totp_qr": totp.qr_code_svg(totp.provisioning_uri(device)) if device else "",
                "totp_error": totp_error,
                "passkeys": Passkey.objects.filter(user=user),
                "passkey_form": passkey_form or PasskeyForm(),
                "recovery_codes": recovery_codes or [],
                "recovery_codes_left": second_factor.recovery_codes_left(user),
                "required": second_factor.required(user),
                "enrolled": second_factor.enrolled(user),
                "policy": request.session.get(second_factor.SESSION_KEY),
            }
        )
    status = 400 if totp_error or (passkey_form is not None and passkey_form.errors) else 200
    return render(request, "apps_admin/security.html", context, status=status)
