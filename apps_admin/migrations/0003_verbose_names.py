# Verbose names (translatable) of the models and their fields: no change to the database.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("apps_admin", "0002_auditevent_membership"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="auditevent",
            options={
                "ordering": ["-at", "-id"],
                "verbose_name": "audit event",
                "verbose_name_plural": "audit events",
            },
        ),
        migrations.AlterModelOptions(
            name="membership",
            options={
                "ordering": ["tenant__name", "user__username"],
                "verbose_name": "membership",
                "verbose_name_plural": "memberships",
            },
        ),
        migrations.AlterModelOptions(
            name="tenant",
            options={
                "ordering": ["name"],
                "verbose_name": "tenant",
                "verbose_name_plural": "tenants",
            },
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(db_index=True, max_length=32, verbose_name="action"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="actor_id",
            field=models.IntegerField(blank=True, null=True, verbose_name="user id"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="actor_username",
            field=models.CharField(blank=True, max_length=150, verbose_name="user"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="app_id",
            field=models.CharField(blank=True, max_length=64, verbose_name="app ID"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, verbose_name="when"
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="changes",
            field=models.JSONField(blank=True, default=dict, verbose_name="changes"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="client_ip",
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name="address"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="outcome",
            field=models.CharField(max_length=64, verbose_name="outcome"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="request_id",
            field=models.CharField(blank=True, max_length=64, verbose_name="request ID"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="tenant_id",
            field=models.CharField(
                blank=True, db_index=True, max_length=32, verbose_name="ECL tenant id"
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="transaction_id",
            field=models.CharField(blank=True, max_length=128, verbose_name="ECL transaction ID"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="user_agent",
            field=models.CharField(blank=True, max_length=300, verbose_name="user agent"),
        ),
        migrations.AlterField(
            model_name="membership",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created"),
        ),
        migrations.AlterField(
            model_name="membership",
            name="role",
            field=models.CharField(
                choices=[("viewer", "Viewer"), ("editor", "Editor"), ("admin", "Admin")],
                default="viewer",
                max_length=16,
                verbose_name="role",
            ),
        ),
        migrations.AlterField(
            model_name="membership",
            name="tenant",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="memberships",
                to="apps_admin.tenant",
                verbose_name="tenant",
            ),
        ),
        migrations.AlterField(
            model_name="membership",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated"),
        ),
        migrations.AlterField(
            model_name="membership",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="memberships",
                to=settings.AUTH_USER_MODEL,
                verbose_name="user",
            ),
        ),
        migrations.AlterField(
            model_name="tenant",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created"),
        ),
        migrations.AlterField(
            model_name="tenant",
            name="name",
            field=models.CharField(max_length=100, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="tenant",
            name="region",
            field=models.CharField(
                choices=[
                    ("jp1", "jp1"),
                    ("jp2", "jp2"),
                    ("jp5", "jp5"),
                    ("us1", "us1"),
                    ("uk1", "uk1"),
                    ("de1", "de1"),
                    ("sg1", "sg1"),
                    ("hk1", "hk1"),
                    ("au1", "au1"),
                ],
                default="jp1",
                max_length=8,
                verbose_name="region",
            ),
        ),
        migrations.AlterField(
            model_name="tenant",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated"),
        ),
    ]
