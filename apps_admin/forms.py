"""The page forms: an app's fields (checked by the same rules as the API), confirmations."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps_admin import rules
from apps_admin.ecl import App
from apps_admin.ecl.types import PERMISSIONS
from apps_admin.views.common import PERMISSION_HELP

KEY_FIELD = "recording_service_account_key"
KEY_FILE_FIELD = "recording_service_account_key_file"
# The fields of a PUT body, in the order ECL's reference lists them.
ECL_FIELDS = ("description", "domains", "permissions", "status", "recording_bucket_name")


class WriteOnlyTextarea(forms.Textarea):
    """A textarea that never renders its value: a secret typed once is not sent back."""

    def format_value(self, value: Any) -> None:
        return None


class PermissionCheckboxes(forms.CheckboxSelectMultiple):
    """One checkbox per permission, labelled by its name and described by its help text."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["attrs"]["aria-describedby"] = f"{option['attrs']['id']}_help"
        option["help"] = PERMISSION_HELP.get(value, "")
        return option


class AppForm(forms.Form):
    """Add or edit an app. Every rule runs here, before any ECL call."""

    description = forms.CharField(
        label=_("Description"),
        required=False,
        help_text=format_lazy(
            _("Up to {max} characters; shown to your team only."), max=rules.DESCRIPTION_MAX
        ),
        widget=forms.TextInput(
            attrs={
                "data-counter-max": rules.DESCRIPTION_MAX,
                "autocomplete": "off",
                "class": "vTextField",
            }
        ),
    )
    domains = forms.CharField(
        label=_("Domains"),
        required=False,
        strip=False,
        help_text=_(
            "The host names whose web pages may use this app, one per line "
            "(such as example.com or localhost); no scheme, port or path."
        ),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60, "spellcheck": "false"}),
    )
    permissions = forms.MultipleChoiceField(
        label=_("Permissions"),
        required=False,
        choices=[(p, p) for p in PERMISSIONS],
        widget=PermissionCheckboxes,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("active", _("Active")), ("suspended", _("Suspended"))],
        initial="active",
        help_text=_("A suspended app refuses every client connection until it is activated."),
    )
    recording_bucket_name = forms.CharField(
        label=_("Recording bucket name"),
        required=False,
        help_text=_("The Google Cloud Storage bucket the recorder writes to (RECORDING)."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "vTextField"}),
    )
    recording_service_account_key = forms.CharField(
        label=_("Recording service account key"),
        required=False,
        strip=False,
        help_text=_(
            "Paste the JSON key of a service account with “Storage Object Creator” on the "
            "bucket. Write-only: it is never shown again."
        ),
        widget=WriteOnlyTextarea(
            attrs={"rows": 3, "cols": 60, "spellcheck": "false", "autocomplete": "off"}
        ),
    )
    recording_service_account_key_file = forms.FileField(
        label=_("or upload the JSON key file"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ".json,application/json"}),
    )

    def __init__(self, *args, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing:
            self.fields[KEY_FIELD].help_text = _(
                "Leave empty to keep the current key. To replace it, paste the new JSON key or "
                "upload its file. Write-only: it is never shown."
            )

    @classmethod
    def initial_from(cls, app: App) -> dict[str, Any]:
        return {
            "description": app.description,
            "domains": "\n".join(app.domains),
            "permissions": list(app.permissions),
            "status": app.status,
            "recording_bucket_name": app.recording_bucket,
        }

    def clean_description(self) -> str:
        return rules.clean_description(self.cleaned_data["description"])

    def clean_domains(self) -> list[str]:
        return rules.clean_domains(self.cleaned_data["domains"])

    def clean_permissions(self) -> list[str]:
        return rules.clean_permissions(self.cleaned_data["permissions"])

    def clean_status(self) -> str:
        return rules.clean_status(self.cleaned_data["status"])

    def clean_recording_bucket_name(self) -> str:
        return rules.clean_bucket_name(self.cleaned_data["recording_bucket_name"])

    def clean_recording_service_account_key(self) -> str:
        return rules.clean_service_account_key(self.cleaned_data[KEY_FIELD])

    def clean_recording_service_account_key_file(self) -> str:
        upload = self.cleaned_data[KEY_FILE_FIELD]
        if not upload:
            return ""
        content = upload.read(rules.SERVICE_ACCOUNT_KEY_MAX + 1)
        if len(content) > rules.SERVICE_ACCOUNT_KEY_MAX:
            raise ValidationError(gettext("This file is too large to be a service account key."))
        return rules.clean_service_account_key(content)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get(KEY_FIELD) and data.get(KEY_FILE_FIELD):
            self.add_error(
                KEY_FIELD, gettext("Give the key once: paste it or upload its file, not both.")
            )
        return data

    @property
    def key_given(self) -> bool:
        """Whether the user sent a service account key (which a failed save does not keep)."""
        if not self.is_bound:
            return False
        return bool((self.data.get(KEY_FIELD) or "").strip() or self.files.get(KEY_FILE_FIELD))

    @property
    def new_key(self) -> str:
        return self.cleaned_data.get(KEY_FIELD) or self.cleaned_data.get(KEY_FILE_FIELD) or ""

    def ecl_fields(self) -> dict[str, Any]:
        """The request body: every field the form edits, the key only when a new one was given."""
        fields = {name: self.cleaned_data[name] for name in ECL_FIELDS}
        if self.new_key:
            fields[KEY_FIELD] = self.new_key
        return fields

    def add_upstream_error(self, field: str | None, message: str) -> None:
        """Show ECL's 400 on the field it names, or above the form."""
        if field == KEY_FIELD or field in self.fields:
            self.add_error(field, message)
        else:
            self.add_error(None, message)


def audit_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields as the audit log compares them: the key only as present or not."""
    shown = {name: fields.get(name) for name in ECL_FIELDS if name in fields}
    if fields.get(KEY_FIELD):
        shown[KEY_FIELD] = "new"
    return shown


class DeleteConfirmForm(forms.Form):
    app_id = forms.CharField(
        label=_("App ID"),
        max_length=64,
        help_text=_("Type the app's ID to confirm."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, expected: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.expected = expected

    def clean_app_id(self) -> str:
        typed = self.cleaned_data["app_id"].strip()
        if typed != self.expected:
            raise ValidationError(
                gettext("That is not this app's ID: type it exactly as shown above to confirm.")
            )
        return typed
