"""The page forms: an app's fields (checked by the same rules as the API), confirmations."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps_admin import app_actions, rules
from apps_admin.ecl.types import PERMISSIONS, STATUSES
from apps_admin.pages.common import PERMISSION_HELP

KEY_FIELD = app_actions.KEY_FIELD
KEY_FILE_FIELD = "recording_service_account_key_file"
ECL_FIELDS = app_actions.EDITABLE
RESOLVE_PREFIX = "resolve_"  # the choice between the user's value and ECL's, after a conflict


PERMISSION_CHOICES = [(p, p) for p in PERMISSIONS]
STATUS_CHOICES = [("active", _("Active")), ("suspended", _("Suspended"))]


class WriteOnlyTextarea(forms.Textarea):
    """A textarea that never renders its value: a secret typed once is not sent back."""

    def format_value(self, value: Any) -> None:
        return None


class PermissionCheckboxes(forms.CheckboxSelectMultiple):
    """One checkbox per permission, labelled by its name and described by its help text."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["attrs"]["aria-describedby"] = f"{option['attrs']['id']}_help"
        option["help"] = PERMISSION_HELP.get(value) or _(
            "Not known to the portal: ECL has it, and it stays unless you clear it."
        )
        return option


class AppForm(forms.Form):
    """Add or edit an app. Every rule runs here, before any ECL call.

    An edit form knows the values it showed (`shown`, from the signed snapshot it carries): the
    rules check only what the user changed, values the portal does not know stay selectable, and
    `changes()` is exactly what the user changed. For each field in `ask` (changed at ECL while
    the user was editing), the user chooses to keep their value or take ECL's.
    """

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
        choices=PERMISSION_CHOICES,
        widget=PermissionCheckboxes,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=STATUS_CHOICES,
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
    # Shown only after a create whose outcome is unknown: a second app needs this choice.
    create_another = forms.BooleanField(
        label=_("Yes, add another app with this description"),
        required=False,
    )

    def __init__(
        self,
        *args,
        shown: dict[str, Any] | None = None,
        ask: tuple[str, ...] = (),
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.stale = False  # shown again because the snapshot of a save could not be used
        self.editing = shown is not None
        self.shown = shown or {}
        self.ask = tuple(name for name in ECL_FIELDS if name in ask and name in self.shown)
        # A portal rule for new apps (ECL takes none): a list of "(no description)" helps nobody.
        self.fields["description"].required = not self.editing
        self.fields["description"].error_messages["required"] = _(
            "Give the app a description, such as what or who it is for."
        )
        if self.editing:
            self.fields[KEY_FIELD].help_text = _(
                "Leave empty to keep the current key. To replace it, paste the new JSON key or "
                "upload its file. Write-only: it is never shown."
            )
            self._offer_unknown_values()
        for name in self.ask:
            self.fields[RESOLVE_PREFIX + name] = forms.ChoiceField(
                label=self.fields[name].label,
                choices=[("mine", _("Keep my value")), ("theirs", _("Take the value at ECL"))],
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choose whether to keep your value or take the one at ECL.")
                },
            )

    def _offer_unknown_values(self) -> None:
        """A status or permission ECL holds that the portal does not know stays selectable."""
        status = self.shown.get("status")
        if isinstance(status, str) and status not in STATUSES:
            label = format_lazy(_("{value} (not known to the portal)"), value=status or "—")
            field = _choices(self.fields["status"])
            field.choices = [*STATUS_CHOICES, (status, label)]
            field.required = bool(status)  # ECL sent none: keep it so
        unknown = [p for p in self.shown.get("permissions", ()) if p not in PERMISSIONS]
        if unknown:
            field = _choices(self.fields["permissions"])
            field.choices = [*PERMISSION_CHOICES, *((p, p) for p in unknown)]

    @staticmethod
    def initial_from(values: dict[str, Any]) -> dict[str, Any]:
        """Initial data from an app's editable values (`app_actions.editable_values`)."""
        return {**values, "domains": "\n".join(values.get("domains", ()))}

    def conflicts(self) -> list[dict[str, Any]]:
        """For each field in `ask`: its label, the value at ECL and the user's (as text), and the
        choice between them."""
        return [
            {
                "label": self.fields[name].label,
                "at_ecl": _as_text(self.shown[name]),
                "yours": _as_text(self[name].value()),
                "choice": self[RESOLVE_PREFIX + name],
            }
            for name in self.ask
        ]

    def _stored(self, name: str) -> Any:
        return self.shown.get(name) if self.editing else None

    def _takes_ecl_value(self, name: str) -> bool:
        return name in self.ask and self.data.get(RESOLVE_PREFIX + name) == "theirs"

    def clean_description(self) -> str:
        if self._takes_ecl_value("description"):
            return self.shown["description"]
        return rules.clean_description(
            self.cleaned_data["description"], stored=self._stored("description")
        )

    def clean_domains(self) -> list[str]:
        if self._takes_ecl_value("domains"):
            return list(self.shown["domains"])
        return rules.clean_domains(
            self.cleaned_data["domains"], stored=self._stored("domains") or ()
        )

    def clean_permissions(self) -> list[str]:
        if self._takes_ecl_value("permissions"):
            return list(self.shown["permissions"])
        return rules.clean_permissions(
            self.cleaned_data["permissions"], stored=self._stored("permissions") or ()
        )

    def clean_status(self) -> str:
        if self._takes_ecl_value("status"):
            return self.shown["status"]
        return rules.clean_status(self.cleaned_data["status"], stored=self._stored("status"))

    def clean_recording_bucket_name(self) -> str:
        if self._takes_ecl_value("recording_bucket_name"):
            return self.shown["recording_bucket_name"]
        return rules.clean_bucket_name(
            self.cleaned_data["recording_bucket_name"],
            stored=self._stored("recording_bucket_name"),
        )

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
        super().clean()
        data = self.cleaned_data
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

    def values(self) -> dict[str, Any]:
        """The cleaned values of the app's fields (never the key)."""
        return {name: self.cleaned_data[name] for name in ECL_FIELDS}

    def ecl_fields(self) -> dict[str, Any]:
        """A new app's request body: every field, the key only when one was given."""
        fields = self.values()
        if self.new_key:
            fields[KEY_FIELD] = self.new_key
        return fields

    def changes(self) -> dict[str, Any]:
        """An edit's request body: the fields whose value the user changed from what the form
        showed (lists compared as sets), and the key when a new one was given."""
        fields = {
            name: value
            for name, value in self.values().items()
            if not app_actions.same(name, value, self.shown.get(name))
        }
        if self.new_key:
            fields[KEY_FIELD] = self.new_key
        return fields

    def add_upstream_error(self, field: str | None, message: str) -> None:
        """Show ECL's 400 on the field it names, or above the form."""
        if field == KEY_FIELD or field in self.fields:
            self.add_error(field, message)
        else:
            self.add_error(None, message)


def _as_text(value: Any) -> str:
    """A field's value in one line: a list (or text of one item a line) joined by commas."""
    if isinstance(value, str):
        value = [line.strip() for line in value.splitlines() if line.strip()] or [value]
    items = [str(item) for item in value or () if str(item)]
    return ", ".join(items) if items else "—"


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


def _choices(field: forms.Field) -> forms.ChoiceField:
    """`field`, which the form declares as a choice field (its choices can be added to)."""
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{field!r} is not a choice field")
    return field
