"""After a password sign-in, nothing but the second factor: a session of a local account that
has one (or that LOCAL_MFA requires to have one) reaches only the second-factor prompt, or the
enrolment page, and signing out, until the factor is given. It covers every way in with a
password (the portal's sign-in page and the admin's): the gate looks at the session, not at the
page that signed it in. People of the identity provider pass (their MFA is the provider's)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from apps_admin.accounts import second_factor

# Paths a session waiting for its second factor may reach (besides the prompt and enrolment).
OPEN_PREFIXES = ("/static/", "/i18n/", "/healthz", "/favicon.ico")


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        held = self._hold(request)
        return held if held is not None else self.get_response(request)

    def _hold(self, request: HttpRequest) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        state = request.session.get(second_factor.SESSION_KEY)
        if state in (second_factor.VERIFIED, second_factor.NOT_NEEDED):
            return None
        if not second_factor.asked(user):
            request.session[second_factor.SESSION_KEY] = second_factor.NOT_NEEDED
            return None
        path = request.path
        verify, enrol = reverse("apps_admin:second_factor"), reverse("apps_admin:security")
        has_one = second_factor.enrolled(user)
        # The enrolment page only for the first factor: one who has a factor gives it first.
        allowed = {verify, reverse("apps_admin:passkey_options"), reverse("apps_admin:logout")}
        if path in allowed or (path == enrol and not has_one) or path.startswith(OPEN_PREFIXES):
            return None
        if path.startswith("/api/"):
            return JsonResponse(
                {"detail": _("Give your second factor first."), "code": "second_factor"},
                status=403,
            )
        target = verify if has_one else enrol
        return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
