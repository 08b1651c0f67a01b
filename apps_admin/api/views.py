"""The endpoints: ECL's apps API under /api, each call made as a person with a role, and audited.

The `description` of each view class is what the browsable API shows its users (translated into
the request's language); the docstrings are for the code's readers.
"""

from __future__ import annotations

from typing import Any

import msgspec
from django.conf import settings
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps_admin import access, app_actions, ecl, listing
from apps_admin.accounts import reauth
from apps_admin.api import schema  # noqa: F401  (registers the X-Auth-Token security scheme)
from apps_admin.api.errors import STATUS_MEANINGS, ReauthRequired
from apps_admin.api.memory import FreedOnceRendered
from apps_admin.api.renderers import EncodedJSON
from apps_admin.api.serializers import (
    SERVICE_ACCOUNT_KEY,
    AppFieldsSerializer,
    AppSerializer,
    EmptySerializer,
    ErrorSerializer,
    SecretKeySerializer,
    TenantSerializer,
    UsageHistorySerializer,
    may_be_held_at_ecl,
)
from apps_admin.api.throttling import SecretKeyThrottle
from apps_admin.models import Role, Tenant
from apps_admin.usage import api_body


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    return {
        code: OpenApiResponse(ErrorSerializer, description=STATUS_MEANINGS[code])
        for code in statuses
    }


UPSTREAM = (502, 503, 504)
TENANT_PARAMETER = OpenApiParameter(
    "tenant_id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    pattern="^[0-9a-fA-F]{32}$",
    description=_("The ECL tenant id (32 hexadecimal characters)."),
)
APP_PARAMETER = OpenApiParameter(
    "app_id", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("The app id, as ECL gives it.")
)


class TenantScoped:
    """An endpoint of one tenant: `roles` names the role each method needs."""

    roles: dict[str, Role] = {}

    def tenant(self, request: Request, tenant_id: str) -> Tenant:
        """The tenant, if the caller's role allows this method (else 404 or 403, audited)."""
        method = "GET" if request.method == "HEAD" else str(request.method)
        tenant, _role = access.tenant_for(request, tenant_id, self.roles[method])
        return tenant

    def get_object(self) -> None:
        """No database object: apps live at ECL. (DRF's OPTIONS answer calls this.)"""
        return None


def app_answer(answer: ecl.Answer[ecl.App | ecl.UnreadableApp]) -> EncodedJSON:
    """ECL's body as ECL sent it (not decoded again); the browsable API fills its update form
    from the serializer attached (which never holds the write-only service account key), with
    what could be read."""
    app = answer.value
    values = app_actions.editable_values(app) if isinstance(app, ecl.App) else {}
    return EncodedJSON(answer.body, serializer=AppFieldsSerializer(instance=values))


def as_ecl_answered(answer: ecl.Answer) -> Response:
    """ECL's status and body for an update, as ECL sent them (or the app as read back when the
    answer was lost); a body that is not JSON is answered as `{}`."""
    if isinstance(answer.value, ecl.App):
        data = EncodedJSON(answer.body) if answer.status != 200 else app_answer(answer)
        return Response(data, status=answer.status)
    if not answer.body.strip():
        return Response(status=answer.status)
    try:
        msgspec.json.decode(answer.body)
    except msgspec.DecodeError:
        return Response({}, status=answer.status)
    return Response(EncodedJSON(answer.body), status=answer.status)


class ApiRoot(APIView):
    """GET /api/: the front door: the caller's tenants with their apps' URLs, and the docs."""

    name = _("SkyWay apps portal API")
    description = _(
        "The ECL apps API of your tenants, under your portal account. Open a tenant's apps "
        "below; the API documentation lists every endpoint, and the portal is where you create "
        "API tokens."
    )

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        def url(name: str, *args: str) -> str:
            return request.build_absolute_uri(reverse(name, args=args))

        return Response(
            {
                "portal": url("apps_admin:home"),
                "documentation": url("api-docs"),
                "schema": url("api-schema"),
                "api_tokens": url("apps_admin:api_tokens"),
                "tenants": url("api-tenants"),
                "your_tenants": [
                    {
                        "tenant_id": tenant.tenant_id,
                        "name": tenant.name,
                        "role": role.value,
                        "apps": url("api-apps", tenant.tenant_id),
                    }
                    for tenant, role in access.visible_tenants(request.user)
                ],
            }
        )


class TenantList(FreedOnceRendered, APIView):
    """GET /tenants: the caller's tenants and roles (the portal's own endpoint, not ECL's)."""

    name = _("Tenants")
    description = _(
        "The tenants you may see in the portal, with your role in each.\n\n"
        "Use a tenant's tenant_id in the other paths, exactly as with ECL's apps API. A viewer "
        "can list and read apps, an editor can also create, change and delete them, an admin "
        "can also reveal and regenerate secret keys."
    )

    @extend_schema(
        operation_id="tenants_list",
        summary=_("List your tenants"),
        description=_("The tenants you may see, with your role in each (portal only)."),
        responses={200: TenantSerializer(many=True), **errors(401)},
        tags=["tenants"],
    )
    def get(self, request: Request) -> Response:
        return Response(
            [
                {"tenant_id": tenant.tenant_id, "name": tenant.name, "role": role.value}
                for tenant, role in access.visible_tenants(request.user)
            ]
        )


# Error reports (Django's 500 pages and mails) never show the service account key of a form.
hide_key = method_decorator(sensitive_post_parameters(SERVICE_ACCOUNT_KEY), name="dispatch")


@hide_key
class AppList(FreedOnceRendered, TenantScoped, GenericAPIView):
    """ECL's GET and POST /tenants/{tenant_id}/apps."""

    name = _("Apps")
    description = _(
        "The apps of one tenant, and creating one: ECL's GET, POST /tenants/{tenant_id}/apps.\n\n"
        "Add ?expandApps (or ?expandApps=true) to get every field of each app; without it, only "
        "id, apikey and description. Creating needs the editor role; the request fields are "
        "ECL's and are all optional (a new app is active unless told otherwise). The answer is "
        "ECL's, with 200 as ECL answers."
    )
    serializer_class = AppFieldsSerializer
    roles = {"GET": Role.VIEWER, "POST": Role.EDITOR}

    @extend_schema(
        operation_id="apps_list",
        summary=_("List apps"),
        description=_(
            "ECL's app list. With `expandApps` present (and not `false`), each app is complete; "
            "otherwise only `id`, `apikey` and `description`. Needs the viewer role."
        ),
        parameters=[
            TENANT_PARAMETER,
            OpenApiParameter(
                "expandApps",
                OpenApiTypes.BOOL,
                OpenApiParameter.QUERY,
                description=_(
                    "Expand each app to its whole body; true when present without a value."
                ),
            ),
        ],
        responses={200: AppSerializer(many=True), **errors(401, 403, 404, *UPSTREAM)},
        tags=["apps"],
    )
    def get(self, request: Request, tenant_id: str) -> Response:
        tenant = self.tenant(request, tenant_id)
        value = request.query_params.get("expandApps")
        expand = value is not None and value.lower() != "false"
        # ECL's body as it came, checked only to be a list: no second encoding of a list that may
        # hold 10,000 apps, and an app the pages could not read is the caller's to judge.
        return Response(EncodedJSON(ecl.app_list_body(tenant, expand=expand)))

    @extend_schema(
        operation_id="app_create",
        summary=_("Create an app"),
        description=_(
            "Creates an app with the fields given and answers it. Needs the editor role."
        ),
        parameters=[TENANT_PARAMETER],
        request={"application/json": AppFieldsSerializer},
        responses={200: AppSerializer, **errors(400, 401, 403, 404, 413, *UPSTREAM)},
        tags=["apps"],
    )
    def post(self, request: Request, tenant_id: str) -> Response:
        tenant = self.tenant(request, tenant_id)
        answer = app_actions.create(request, tenant, valid_fields(request))
        return Response(EncodedJSON(answer.body), status=answer.status)


@hide_key
class AppDetail(FreedOnceRendered, TenantScoped, GenericAPIView):
    """ECL's GET, PUT and DELETE /tenants/{tenant_id}/apps/{app_id}."""

    name = _("App")
    description = _(
        "One app: ECL's GET, PUT and DELETE /tenants/{tenant_id}/apps/{app_id}.\n\n"
        "Reading needs the viewer role; changing and deleting need the editor role. An update "
        "changes only the fields sent; domains and permissions, when sent, replace the whole "
        "list. The service account key is write-only: it is never shown, and leaving it empty "
        "in the form keeps the current one. Deleting answers {}, as ECL does. An app that does "
        "not exist is 404 here (ECL answers 403)."
    )
    serializer_class = AppFieldsSerializer
    roles = {"GET": Role.VIEWER, "PUT": Role.EDITOR, "DELETE": Role.EDITOR}

    @extend_schema(
        operation_id="app_retrieve",
        summary=_("Get an app"),
        description=_("ECL's app. Needs the viewer role."),
        parameters=[TENANT_PARAMETER, APP_PARAMETER],
        responses={200: AppSerializer, **errors(401, 403, 404, *UPSTREAM)},
        tags=["apps"],
    )
    def get(self, request: Request, tenant_id: str, app_id: str) -> Response:
        tenant = self.tenant(request, tenant_id)
        return Response(app_answer(ecl.app_get_answer(tenant, app_id)))

    @extend_schema(
        operation_id="app_update",
        summary=_("Update an app"),
        description=_(
            "Changes the fields given (lists are replaced whole); answers the app. Needs the "
            "editor role."
        ),
        parameters=[TENANT_PARAMETER, APP_PARAMETER],
        request={"application/json": AppFieldsSerializer},
        responses={200: AppSerializer, **errors(400, 401, 403, 404, 409, 413, *UPSTREAM)},
        tags=["apps"],
    )
    def put(self, request: Request, tenant_id: str, app_id: str) -> Response:
        tenant = self.tenant(request, tenant_id)
        serializer = AppFieldsSerializer(data=request.data)
        if not serializer.is_valid():
            if not may_be_held_at_ecl(serializer.errors):
                raise ValidationError(serializer.errors)  # refused without asking ECL
            # A value ECL already holds (a permission the portal does not know, a domain with a
            # port) is not the caller's to fix: check once more against the app as it is.
            before = app_actions.editable_values(ecl.app_get(tenant, app_id))
            serializer = AppFieldsSerializer(data=request.data, context={"stored": before})
            serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        return as_ecl_answered(app_actions.update_as_sent(request, tenant, app_id, fields))

    @extend_schema(
        operation_id="app_destroy",
        summary=_("Delete an app"),
        description=_("Deletes the app; answers `{}` with 200, as ECL. Needs the editor role."),
        parameters=[TENANT_PARAMETER, APP_PARAMETER],
        responses={200: EmptySerializer, **errors(401, 403, 404, 409, *UPSTREAM)},
        tags=["apps"],
    )
    def delete(self, request: Request, tenant_id: str, app_id: str) -> Response:
        tenant = self.tenant(request, tenant_id)
        app_actions.delete(request, tenant, app_id)
        # `{}` whatever ECL's 2xx carried (a 204, an empty 200) or reading back found.
        return Response({})


class SecretKey(FreedOnceRendered, TenantScoped, APIView):
    """ECL's GET (reveal) and POST (renew) /tenants/{tenant_id}/apps/{app_id}/secretkey."""

    name = _("Secret key")
    description = _(
        "An app's secret key: ECL's GET (reveal) and POST (renew) "
        "/tenants/{tenant_id}/apps/{app_id}/secretkey.\n\n"
        "Both need the admin role. Renewing replaces the key at once: every client that signs "
        "with the old key (PEER_AUTHENTICATION) fails until it is given the new one. In the "
        "browser, you must have confirmed your password in the last few minutes; a script needs "
        "an API token with the secret keys scope (`secrets`). Calls are limited per person "
        "(HTTP 429 past the limit), and answers are never cached."
    )
    roles = {"GET": Role.ADMIN, "POST": Role.ADMIN}
    secret_keys = True  # API tokens need the `secrets` scope (permissions.TokenScopePermission)
    throttle_classes = [SecretKeyThrottle]
    # HEAD would run GET, and reveal (and audit) a key nobody sees: 405 instead.
    http_method_names = ["get", "post", "options"]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    def require_recent_password(self, request: Request) -> None:
        if isinstance(request.successful_authenticator, SessionAuthentication) and not (
            reauth.is_recent(request)
        ):
            raise ReauthRequired(
                gettext(
                    "Confirm your password first, at %(url)s (secret keys need it within the "
                    "last %(minutes)d minutes), or use an API token."
                )
                % {
                    "url": reauth.reauth_url(request.path),
                    "minutes": max(1, settings.REAUTH_WINDOW // 60),
                }
            )

    @extend_schema(
        operation_id="secretkey_retrieve",
        summary=_("Reveal the secret key"),
        description=_("The app's secret key. Needs the admin role."),
        parameters=[TENANT_PARAMETER, APP_PARAMETER],
        request=None,
        responses={200: SecretKeySerializer, **errors(401, 403, 404, 429, *UPSTREAM)},
        tags=["secret keys"],
    )
    def get(self, request: Request, tenant_id: str, app_id: str) -> Response:
        tenant = self.tenant(request, tenant_id)
        self.require_recent_password(request)
        return Response({"secretkey": app_actions.reveal_key(request, tenant, app_id)})

    @extend_schema(
        operation_id="secretkey_renew",
        summary=_("Renew the secret key"),
        description=_(
            "Replaces the app's secret key and answers the new one. Needs the admin role. If "
            "ECL's answer is lost, the key is read again: changed, it is answered; unchanged, "
            "503 (nothing was changed); unreadable, 502 `outcome_unknown` (the key may have "
            "changed: reveal it). If someone renewed it a moment before, 409 "
            "`secretkey_just_renewed` says who: the key they were shown is the one in force."
        ),
        parameters=[TENANT_PARAMETER, APP_PARAMETER],
        request=None,
        responses={200: SecretKeySerializer, **errors(401, 403, 404, 409, 429, *UPSTREAM)},
        tags=["secret keys"],
    )
    def post(self, request: Request, tenant_id: str, app_id: str) -> Response:
        tenant = self.tenant(request, tenant_id)
        self.require_recent_password(request)
        return Response({"secretkey": app_actions.renew_key(request, tenant, app_id)})


class UsageHistory(FreedOnceRendered, TenantScoped, APIView):
    """GET /tenants/{tenant_id}/usage: the usage history (the portal's own endpoint)."""

    name = _("Usage history")
    description = _(
        "Every app's usage in each month of a range, as recorded by the portal (ECL itself "
        "reports only this month and last), this month live from ECL; apps deleted since are "
        "listed with `deleted` true. By default the last 12 months; `from` and `to` (YYYY-MM) "
        "choose others."
    )
    roles = {"GET": Role.VIEWER}

    @extend_schema(
        operation_id="usage_history",
        summary=_("Usage history by month"),
        description=_(
            "Every app's signaling, TURN and SFU in each month from `from` to `to` (YYYY-MM, "
            "at most 60 months; by default the last 12), recorded and live. Needs the viewer "
            "role (portal only)."
        ),
        parameters=[
            TENANT_PARAMETER,
            OpenApiParameter(
                "from",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                pattern="^[0-9]{4}-[0-9]{2}$",
                description=_("The first month, YYYY-MM."),
            ),
            OpenApiParameter(
                "to",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                pattern="^[0-9]{4}-[0-9]{2}$",
                description=_("The last month, YYYY-MM."),
            ),
        ],
        responses={200: UsageHistorySerializer, **errors(400, 401, 403, 404, *UPSTREAM)},
        tags=["usage"],
    )
    def get(self, request: Request, tenant_id: str) -> Response | StreamingHttpResponse:
        tenant = self.tenant(request, tenant_id)
        params = request.query_params
        try:
            first, last = listing.month_range(params.get("from"), params.get("to"))
        except listing.ListingError as error:
            raise ValidationError({error.field: [str(error)]}) from None
        # ECL's list before the first byte is sent: its errors are answered as any other.
        live = ecl.app_list_fields(tenant, api_body.LIVE_FIELDS)
        chunks = api_body.chunks(tenant, first, last, live)
        if request.accepted_renderer.format != "json":  # the browsable API: a page of it
            return Response(EncodedJSON(b"".join(chunks)))
        return StreamingHttpResponse(chunks, content_type="application/json")


def valid_fields(request: Request) -> dict[str, Any]:
    """The request's app fields, checked by the shared rules (400 otherwise, before any call)."""
    serializer = AppFieldsSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
