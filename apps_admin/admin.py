"""Django admin: tenants (secret write-only), memberships, the read-only audit log, API tokens.

Everything here is for superusers only. Tenants, memberships and group roles are changed through
`tenancy` (which audits each change); token revocations are audited here.
"""

from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from apps_admin import audit, tenancy
from apps_admin.accounts import api_tokens
from apps_admin.ecl import breaker
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


def breaker_text(state: breaker.State) -> str:
    """A tenant's ECL circuit breaker in words, for its page in the admin."""
    values = {
        "count": state.failures,
        "since": _moment(state.since),
        "until": _moment(state.retry_at),
    }
    if state.state == "open":
        return (
            gettext(
                "Open: ECL has been failing for this tenant since %(since)s (%(count)d timeouts or "
                "server errors in a row). Calls fail at once, without being sent, until %(until)s; "
                "then one probe call tests ECL again."
            )
            % values
        )
    if state.state == "half-open":
        return (
            gettext(
                "Half-open: ECL has been failing for this tenant since %(since)s. The next call is "
                "sent as a probe, one at a time; its success closes the breaker."
            )
            % values
        )
    if state.failures:
        return (
            ngettext(
                "Closed: %(count)d timeout or server error since %(since)s.",
                "Closed: %(count)d timeouts or server errors in a row since %(since)s.",
                state.failures,
            )
            % values
        )
    return gettext("Closed: calls go to ECL.")


def _moment(at: datetime | None) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S %Z") if at else "—"


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
        super().clean()
        cleaned = self.cleaned_data
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
        if commit:
            raise ValueError("Tenants are saved through tenancy.save_tenant (TenantAdmin).")
        return super().save(commit=False)  # the secret is given to tenancy.save_tenant


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


class MembershipForm(forms.ModelForm):
    """A grant by hand: the role from groups is the provider's, set at each sign-in."""

    class Meta:
        model = Membership
        fields = ["user", "tenant", "role_by_hand"]

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        if not cleaned.get("role_by_hand") and not self.instance.role_from_groups:
            self.add_error("role_by_hand", gettext("Choose the role to grant."))
        return cleaned


def _apply(request, form: forms.ModelForm, tenant: Tenant, *, delete: bool = False) -> None:
    """One membership form through the one door: the hand part granted, changed or removed."""
    membership = form.instance
    user = form.cleaned_data.get("user") or membership.user
    if membership.pk and membership.user_id != user.pk:  # moved to another person
        stored = Membership.objects.select_related("user").get(pk=membership.pk)
        tenancy.revoke(request, stored.user, tenant)
    role = None if delete else form.cleaned_data.get("role_by_hand")
    if role:
        tenancy.grant(request, user, tenant, role)
        return
    left = tenancy.revoke(request, user, tenant)
    if left is not None:
        messages.warning(
            request,
            gettext(
                "%(user)s keeps the role %(role)s in %(tenant)s from their provider groups: "
                "change the groups or the group roles to remove it."
            )
            % {"user": user.get_username(), "role": left.role, "tenant": tenant.name},
        )


class MembershipInline(SuperuserOnly, admin.TabularInline):
    model = Membership
    form = MembershipForm
    fields = ["user", "role_by_hand", "role_from_groups", "role"]
    readonly_fields = ["role_from_groups", "role"]
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Tenant)
class TenantAdmin(SuperuserOnly, admin.ModelAdmin):
    form = TenantForm
    list_display = ["name", "tenant_id", "region", "api_key", "updated_at"]
    search_fields = ["name", "tenant_id", "api_key"]
    list_filter = ["region"]
    readonly_fields = ["created_at", "updated_at", "usage_recorded_at", "ecl_circuit"]
    inlines = [MembershipInline]

    @admin.display(description=_("ECL circuit breaker"))
    def ecl_circuit(self, obj: Tenant) -> str:
        """The tenant's breaker as every worker sees it (apps_admin/ecl/breaker.py)."""
        if not obj.pk:
            return "—"
        return breaker_text(breaker.state(obj.tenant_id))

    def save_model(self, request, obj: Tenant, form, change: bool) -> None:
        stored = Tenant.objects.get(pk=obj.pk) if change else Tenant()
        secret = form.cleaned_data.get("api_secret") or ""
        tenancy.save_tenant(request, obj, tenancy.tenant_fields(stored), secret=secret)

    def save_formset(self, request, form, formset, change: bool) -> None:
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        # What the admin's history message reads (formset.save() is never called here).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for one in formset.forms:
            if not getattr(one, "cleaned_data", None):
                continue  # an empty extra row
            if formset.can_delete and formset._should_delete_form(one):
                if one.instance.pk:
                    _apply(request, one, form.instance, delete=True)
            elif one.has_changed():
                _apply(request, one, form.instance)

    def delete_model(self, request, obj: Tenant) -> None:
        tenancy.delete_tenant(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for tenant in queryset:
            tenancy.delete_tenant(request, tenant)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Membership)
class MembershipAdmin(SuperuserOnly, admin.ModelAdmin):
    """Both sources of each role: by hand (edited here) and from groups (the provider's)."""

    form = MembershipForm
    list_display = ["user", "tenant", "role", "role_by_hand", "role_from_groups", "updated_at"]
    list_filter = ["role", "role_by_hand", "role_from_groups", "tenant"]
    readonly_fields = ["role_from_groups", "role"]
    search_fields = ["user__username", "tenant__name", "tenant__tenant_id"]
    autocomplete_fields = ["user"]

    def save_model(self, request, obj: Membership, form, change: bool) -> None:
        tenant = form.cleaned_data["tenant"]
        if change:
            stored = Membership.objects.select_related("user", "tenant").get(pk=obj.pk)
            if stored.tenant_id != tenant.pk:  # moved to another tenant
                tenancy.revoke(request, stored.user, stored.tenant)
                obj.pk = None
        _apply(request, form, tenant)
        saved = Membership.objects.filter(user=obj.user_id, tenant=tenant).first()
        if saved is not None:
            obj.pk = saved.pk  # for the admin's message and redirect

    def delete_model(self, request, obj: Membership) -> None:
        left = tenancy.revoke(request, obj.user, obj.tenant)
        if left is not None:
            messages.warning(
                request,
                gettext(
                    "%(user)s keeps the role %(role)s in %(tenant)s from their provider groups."
                )
                % {"user": obj.user.get_username(), "role": left.role, "tenant": obj.tenant.name},
            )

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

    def save_model(self, request, obj: GroupRole, form, change: bool) -> None:
        tenancy.save_group_role(request, obj, tenancy.group_role_before(obj))

    def delete_model(self, request, obj: GroupRole) -> None:
        tenancy.delete_group_role(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for mapping in queryset.select_related("tenant"):
            tenancy.delete_group_role(request, mapping)


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

    fields = list_display = readonly_fields = (
        "user",
        "name",
        "prefix",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
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
