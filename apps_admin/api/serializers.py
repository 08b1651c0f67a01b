"""Request fields of the apps API, checked with the shared rules, and the documented answers.

Input: each field hands the value it was sent, untouched, to its `validate_<field>`, which applies
the rule of `apps_admin.rules` (the same as the pages'); so a number is not silently turned into a
description, and every message is the portal's own. Unknown fields are ignored, as ECL does.

Output: the API answers ECL's bodies unchanged; the serializers below only describe them for the
schema.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.fields import empty
from rest_framework.utils import html

from apps_admin import rules
from apps_admin.ecl.types import PERMISSIONS, STATUSES
from apps_admin.models import Role

SERVICE_ACCOUNT_KEY = "recording_service_account_key"


def apply_rule(rule, value: Any, *stored: Any) -> Any:
    """The rule's value, or its refusals with their codes (`rules.MAY_BE_HELD_AT_ECL`)."""
    try:
        return rule(value, *stored)
    except DjangoValidationError as error:
        details = [
            ErrorDetail(message, item.code or "invalid")
            for item in error.error_list
            for message in item.messages
        ]
        raise serializers.ValidationError(details) from None


def may_be_held_at_ecl(errors: dict[str, Any]) -> bool:
    """Whether every refusal in a serializer's `errors` is of a value ECL may already hold."""
    codes = [getattr(item, "code", "") for found in errors.values() for item in found]
    return bool(codes) and all(code in rules.MAY_BE_HELD_AT_ECL for code in codes)


class RawTextField(serializers.CharField):
    """Text handed to its rule as sent (a CharField would turn 12 into "12")."""

    def to_internal_value(self, data: Any) -> Any:
        return data


class RawChoiceField(serializers.ChoiceField):
    """A choice shown as a select in HTML forms, checked by its rule."""

    def to_internal_value(self, data: Any) -> Any:
        return data


class RawMultipleChoiceField(serializers.MultipleChoiceField):
    """A multiple select in HTML forms (a list in JSON), checked by its rule.

    A form that does not send the field leaves it as it is (DRF would read it as an empty
    list, and a form PUT of the status alone would clear every permission).
    """

    def get_value(self, dictionary: Any) -> Any:
        if html.is_html_input(dictionary) and self.field_name not in dictionary:
            return empty
        return super().get_value(dictionary)

    def to_internal_value(self, data: Any) -> Any:
        return list(data) if isinstance(data, list | tuple) else data

    def to_representation(self, value: Any) -> list:
        return list(value or [])


@extend_schema_field({"type": "string", "maxLength": rules.DESCRIPTION_MAX})
class DescriptionField(RawTextField):
    pass


@extend_schema_field({"type": "string", "maxLength": 222})
class BucketNameField(RawTextField):
    pass


@extend_schema_field({"type": "string"})
class ServiceAccountKeyField(RawTextField):
    """The key file's JSON text (a file uploaded in a multipart form is read as that text)."""

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "read"):
            return data.read(rules.SERVICE_ACCOUNT_KEY_MAX + 1)
        return data


@extend_schema_field({"type": "array", "items": {"type": "string", "enum": list(PERMISSIONS)}})
class PermissionsField(RawMultipleChoiceField):
    pass


@extend_schema_field({"type": "array", "items": {"type": "string", "maxLength": rules.DOMAIN_MAX}})
class DomainsField(serializers.ListField):
    """A list of host names in JSON; one per line in the HTML form's text area."""

    def get_value(self, dictionary: Any) -> Any:
        if html.is_html_input(dictionary):
            if self.field_name not in dictionary:
                return empty
            return "\n".join(dictionary.getlist(self.field_name))
        return dictionary.get(self.field_name, empty)

    def to_internal_value(self, data: Any) -> Any:
        return data


class AppFieldsSerializer(serializers.Serializer):
    """The fields of an app that can be set, as ECL names them; every one is optional."""

    # Labels as the pages name the fields (the browsable API's forms); the names stay ECL's.
    description = DescriptionField(
        label=_("Description"),
        required=False,
        allow_blank=True,
        allow_null=True,
        trim_whitespace=False,
        help_text=format_lazy(
            _("A description of the app, up to {max} characters."), max=rules.DESCRIPTION_MAX
        ),
    )
    domains = DomainsField(
        label=_("Domains"),
        required=False,
        allow_null=True,
        child=serializers.CharField(),
        style={"base_template": "domains_textarea.html", "rows": 4},
        help_text=_(
            "The domains the app may be used on: host names such as example.com or "
            "localhost, or IPv4 addresses (in the form, one per line). Replaces the list."
        ),
    )
    permissions = PermissionsField(
        label=_("Permissions"),
        choices=list(PERMISSIONS),
        required=False,
        allow_null=True,
        help_text=_(
            "The features enabled for the app: TURN and SFU (both billed), USER_LIST, "
            "PEER_AUTHENTICATION (clients must present a credential made with the secret key), "
            "RECORDING. Replaces the list."
        ),
    )
    status = RawChoiceField(
        label=_("Status"),
        choices=list(STATUSES),
        required=False,
        help_text=_("“active”, or “suspended” to stop the app from being used."),
    )
    recording_bucket_name = BucketNameField(
        label=_("Recording bucket name"),
        required=False,
        allow_blank=True,
        allow_null=True,
        trim_whitespace=False,
        help_text=_("The Google Cloud Storage bucket recordings are saved to."),
    )
    recording_service_account_key = ServiceAccountKeyField(
        label=_("Recording service account key"),
        required=False,
        allow_blank=True,
        allow_null=True,
        write_only=True,
        trim_whitespace=False,
        style={"base_template": "secret_textarea.html", "rows": 4},
        help_text=_(
            "The JSON key file of a Google Cloud service account allowed to write to the "
            "bucket. Write-only: it is never shown again (in the form, leave it empty to keep "
            "the current key)."
        ),
    )

    # With `context={"stored": values}` (the app at ECL), values ECL already holds pass as they
    # are: the rules are for what the caller changes.
    def _stored(self, name: str, default: Any = None) -> Any:
        return self.context.get("stored", {}).get(name, default)

    def validate_description(self, value: Any) -> str:
        return apply_rule(rules.clean_description, value, self._stored("description"))

    def validate_domains(self, value: Any) -> list[str]:
        return apply_rule(rules.clean_domains, value, self._stored("domains", ()))

    def validate_permissions(self, value: Any) -> list[str]:
        return apply_rule(rules.clean_permissions, value, self._stored("permissions", ()))

    def validate_status(self, value: Any) -> str:
        return apply_rule(rules.clean_status, value, self._stored("status"))

    def validate_recording_bucket_name(self, value: Any) -> str:
        return apply_rule(rules.clean_bucket_name, value, self._stored("recording_bucket_name"))

    def validate_recording_service_account_key(self, value: Any) -> str:
        return apply_rule(rules.clean_service_account_key, value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if html.is_html_input(self.initial_data) and not attrs.get(SERVICE_ACCOUNT_KEY):
            # A form always sends the (never prefilled) key field: empty means "keep it".
            attrs.pop(SERVICE_ACCOUNT_KEY, None)
        return attrs


# --- Answers (documentation only: the API sends ECL's JSON as ECL sent it) --------------------


@extend_schema_field({"anyOf": [{"type": "integer"}, {"type": "string"}]})
class AppIdField(serializers.Field):
    """ECL's app id, exactly as ECL sends it (real ECL sends a number, its reference a string)."""

    def to_representation(self, value: Any) -> Any:
        return value


class UsageSerializer(serializers.Serializer):
    signaling = serializers.FloatField(help_text=_("Signaling connections."))
    turn = serializers.FloatField(help_text=_("TURN traffic, GB (billed)."))
    sfu = serializers.FloatField(help_text=_("SFU traffic, GB (billed)."))


class RecordingSerializer(serializers.Serializer):
    status = serializers.CharField(
        allow_null=True, required=False, help_text=_("`active` or `unavailable`.")
    )
    bucket_name = serializers.CharField(allow_null=True, required=False)


class AppSerializer(serializers.Serializer):
    """An app as ECL returns it. A list without `expandApps` has only id, apikey, description."""

    id = AppIdField(help_text=_("The app id, as ECL gives it."))
    apikey = serializers.CharField(help_text=_("The app's API key (a UUID)."))
    description = serializers.CharField(allow_null=True, allow_blank=True)
    domains = serializers.ListField(child=serializers.CharField(), required=False)
    permissions = serializers.ListField(child=serializers.CharField(), required=False)
    usage_summary = serializers.DictField(
        child=UsageSerializer(),
        required=False,
        help_text=_('Usage by month, keyed "YYYY/MM"; the current and the previous month.'),
    )
    status = serializers.CharField(required=False, help_text=_("`active` or `suspended`."))
    recording = RecordingSerializer(required=False)
    created_at = serializers.DateTimeField(required=False)
    updated_at = serializers.DateTimeField(required=False)


class AppUsageHistorySerializer(serializers.Serializer):
    id = serializers.CharField(help_text=_("The app id, as ECL gives it."))
    description = serializers.CharField(
        allow_blank=True, help_text=_("The app's description (when last seen, for a deleted app).")
    )
    deleted = serializers.BooleanField(help_text=_("The app is no longer in ECL's list."))
    usage = serializers.DictField(
        child=UsageSerializer(),
        help_text=_('Usage by month, keyed "YYYY-MM": only the months with usage recorded.'),
    )


class UsageHistorySerializer(serializers.Serializer):
    tenant_id = serializers.CharField()
    months = serializers.ListField(
        child=serializers.CharField(), help_text=_('Every month of the range, "YYYY-MM".')
    )
    apps = AppUsageHistorySerializer(many=True)


class SecretKeySerializer(serializers.Serializer):
    secretkey = serializers.CharField(help_text=_("The app's secret key."))


class TenantSerializer(serializers.Serializer):
    tenant_id = serializers.CharField(help_text=_("The ECL tenant id (32 hexadecimal characters)."))
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices, help_text=_("Your role in the tenant."))


class EmptySerializer(serializers.Serializer):
    """`{}`, as ECL answers a deletion."""


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("What went wrong, for a person."))
    code = serializers.CharField(help_text=_("What went wrong, for a program."))
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("For invalid input: the messages of each field."),
    )
