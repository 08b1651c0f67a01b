"""Django admin: tenants (secret write-only), memberships, the read-only audit log, API tokens.

Everything here is for superusers only; tenant and membership changes and token revocations are
audited.
"""

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from apps_admin import audit
from apps_admin.accounts import api_tokens
from apps_admin.models import (
    ApiToken,
    AuditEvent,
    GroupRole,
    Membership,
    ProviderIdentity,
    Tenant,
)

admin.site.site_header = _("SkyWay apps portal")
admin.site.site_title = _("SkyWay apps portal")
admin.site.index_title = _("Administration")
admin.site.site_url = "/"


def _https_by_default(db_field: models.Field, **kwargs) -> forms.Field | None:
    if isinstance(db_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return db_field.formfield(**kwargs)


class TenantForm(forms.ModelForm):
    api_secret = forms.CharField(
        label=_("ECL API secret key"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Write-only: it is never shown. Leave empty to keep the current secret."),
    )

    class Meta:
        model = Tenant
        fields = ["name", "tenant_id", "region", "identity_url", "api_url", "api_key"]
        formfield_callback = _https_by_default

    def clean_tenant_id(self) -> str:
        return self.cleaned_data["tenant_id"].strip().lower()

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("api_secret") and not self.instance.api_secret_encrypted:
            self.add_error("api_secret", gettext("Enter the tenant's ECL API secret key."))
        moved = {"identity_url", "api_url", "region"} & set(self.changed_data)
        if moved and self.instance.pk and not cleaned.get("api_secret"):
            # The stored secret is never sent somewhere new on the strength of a URL alone.
            self.add_error(
                "api_secret",
                gettext(
                    "You changed where this tenant's ECL services are: enter its ECL API secret "
                    "key again."
                ),
            )
        return cleaned

    def save(self, commit: bool = True) -> Tenant:
        tenant = super().save(commit=False)
        if self.cleaned_data.get("api_secret"):
            tenant.set_api_secret(self.cleaned_data["api_secret"])
        if commit:
            tenant.save()
        return tenant


class SuperuserOnly:
    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request, *args) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser


def _roles(tenant: Tenant) -> dict[str, str]:
    return {m.user.get_username(): m.role for m in tenant.memberships.select_related("user")}


def _membership_fields(membership: Membership) -> dict:
    return {"user": membership.user.get_username(), "role": membership.role}


def record_membership_change(request, tenant_id: str, before: dict, after: dict) -> None:
    audit.record(
        request,
        "membership.change",
        tenant_id=tenant_id,
        changes=audit.changes_between(before, after),
    )


class MembershipInline(SuperuserOnly, admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]
    readonly_fields = ["from_groups"]


@admin.register(Tenant)
class TenantAdmin(SuperuserOnly, admin.ModelAdmin):
    form = TenantForm
    list_display = ["name", "tenant_id", "region", "api_key", "updated_at"]
    search_fields = ["name", "tenant_id", "api_key"]
    list_filter = ["region"]
    readonly_fields = ["created_at", "updated_at", "usage_recorded_at"]
    inlines = [MembershipInline]

    def save_model(self, request, obj: Tenant, form, change: bool) -> None:
        before = {f: form.initial.get(f) for f in form.changed_data} if change else {}
        super().save_model(request, obj, form, change)
        after = {f: form.cleaned_data.get(f) for f in form.changed_data}
        if "api_secret" in after and not after["api_secret"]:
            del after["api_secret"]
        audit.record(
            request,
            "tenant.change",
            outcome="ok",
            tenant_id=obj.tenant_id,
            changes=audit.changes_between(
                {k: v for k, v in before.items() if k in after}, after, secret=["api_secret"]
            ),
        )

    def save_related(self, request, form, formsets, change: bool) -> None:
        before = _roles(form.instance)
        super().save_related(request, form, formsets, change)
        after = _roles(form.instance)
        for username in sorted(set(before) | set(after)):
            if before.get(username) != after.get(username):
                record_membership_change(
                    request,
                    form.instance.tenant_id,
                    {"user": username, "role": before[username]} if username in before else {},
                    {"user": username, "role": after[username]} if username in after else {},
                )

    def delete_model(self, request, obj: Tenant) -> None:
        tenant_id = obj.tenant_id
        super().delete_model(request, obj)
        audit.record(
            request,
            "tenant.change",
            tenant_id=tenant_id,
            changes={"deleted": {"from": False, "to": True}},
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Membership)
class MembershipAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ["user", "tenant", "role", "from_groups", "updated_at"]
    list_filter = ["role", "from_groups", "tenant"]
    readonly_fields = ["from_groups"]
    search_fields = ["user__username", "tenant__name", "tenant__tenant_id"]
    autocomplete_fields = ["user"]

    def save_model(self, request, obj: Membership, form, change: bool) -> None:
        before = _membership_fields(Membership.objects.get(pk=obj.pk)) if change else {}
        super().save_model(request, obj, form, change)
        record_membership_change(request, obj.tenant.tenant_id, before, _membership_fields(obj))

    def delete_model(self, request, obj: Membership) -> None:
        before, tenant_id = _membership_fields(obj), obj.tenant.tenant_id
        super().delete_model(request, obj)
        record_membership_change(request, tenant_id, before, {})

    def delete_queryset(self, request, queryset) -> None:
        for membership in queryset.select_related("user", "tenant"):
            self.delete_model(request, membership)


class SuperuserReadOnly:
    """Seen by superusers; nobody adds, changes or deletes a row here."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(GroupRole)
class GroupRoleAdmin(SuperuserOnly, admin.ModelAdmin):
    """Which provider group gives which role in which tenant, applied at each sign-in (besides
    the OIDC_GROUP_ROLES setting)."""

    list_display = ["group", "tenant", "role"]
    list_filter = ["role", "tenant"]
    search_fields = ["group", "tenant__name"]


@admin.register(ProviderIdentity)
class ProviderIdentityAdmin(SuperuserReadOnly, admin.ModelAdmin):
    list_display = ["user", "subject", "issuer", "last_seen_at"]
    search_fields = ["user__username", "subject"]
    list_filter = ["issuer"]


@admin.register(AuditEvent)
class AuditEventAdmin(SuperuserReadOnly, admin.ModelAdmin):
    """Read-only for superusers: nobody can add, change or delete an event here."""

    list_display = ["at", "actor_username", "action", "outcome", "tenant_id", "app_id", "client_ip"]
    list_filter = ["action", "outcome"]
    search_fields = ["actor_username", "tenant_id", "app_id", "request_id", "transaction_id"]
    date_hierarchy = "at"


@admin.register(ApiToken)
class ApiTokenAdmin(SuperuserReadOnly, admin.ModelAdmin):
    """Every person's API tokens, for superusers: seen (never their digest) and revoked, never
    made or changed here (a token is made by its owner on /account/tokens/)."""

    fields = list_display = [
        "user",
        "name",
        "prefix",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = fields
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "name", "prefix"]
    list_select_related = ["user"]
    actions = ["revoke"]

    # Deleting is refused too (SuperuserReadOnly): revoke instead, so that the row says who had
    # which token until when.

    @admin.action(description=_("Revoke the selected API tokens"))
    def revoke(self, request, queryset) -> None:
        revoked = 0
        for token in queryset.select_related("user"):
            if api_tokens.revoke(token):
                revoked += 1
                changes = api_tokens.revocation_changes(token)
                audit.record(request, "token.revoke", changes=changes)
        self.message_user(
            request,
            ngettext("%(count)d API token revoked.", "%(count)d API tokens revoked.", revoked)
            % {"count": revoked},
        )
