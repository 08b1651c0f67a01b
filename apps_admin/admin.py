"""Django admin: the site's titles and the tenants, whose ECL API secret is write-only."""

from django import forms
from django.contrib import admin
from django.db import models

from apps_admin.models import Tenant

admin.site.site_header = "SkyWay apps portal"
admin.site.site_title = "SkyWay apps portal"
admin.site.index_title = "Administration"
admin.site.site_url = "/"


def _https_by_default(db_field: models.Field, **kwargs) -> forms.Field | None:
    if isinstance(db_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return db_field.formfield(**kwargs)


class TenantForm(forms.ModelForm):
    api_secret = forms.CharField(
        label="ECL API secret key",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only: it is never shown. Leave empty to keep the current secret.",
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
            self.add_error("api_secret", "Enter the tenant's ECL API secret key.")
        return cleaned

    def save(self, commit: bool = True) -> Tenant:
        tenant = super().save(commit=False)
        if self.cleaned_data.get("api_secret"):
            tenant.set_api_secret(self.cleaned_data["api_secret"])
        if commit:
            tenant.save()
        return tenant


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    form = TenantForm
    list_display = ["name", "tenant_id", "region", "api_key", "updated_at"]
    search_fields = ["name", "tenant_id", "api_key"]
    list_filter = ["region"]
    readonly_fields = ["created_at", "updated_at"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser
