"""A membership keeps its two sources apart: the role granted by hand and the role from the
provider's groups (the role in force is the higher). Each row's one former source becomes that
source's role: `from_groups` rows give `role_from_groups`, the others `role_by_hand`."""

from django.db import migrations, models

ROLES = [("viewer", "Viewer"), ("editor", "Editor"), ("admin", "Admin")]


def split_sources(apps, schema_editor):
    Membership = apps.get_model("apps_admin", "Membership")
    Membership.objects.filter(from_groups=True).update(role_from_groups=models.F("role"))
    Membership.objects.filter(from_groups=False).update(role_by_hand=models.F("role"))


def join_sources(apps, schema_editor):
    Membership = apps.get_model("apps_admin", "Membership")
    Membership.objects.filter(role_by_hand="").update(from_groups=True)


class Migration(migrations.Migration):
    dependencies = [
        ("apps_admin", "0009_auditevent_completion"),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="role_by_hand",
            field=models.CharField(
                blank=True,
                choices=ROLES,
                default="",
                max_length=16,
                verbose_name="role granted by hand",
            ),
        ),
        migrations.AddField(
            model_name="membership",
            name="role_from_groups",
            field=models.CharField(
                blank=True,
                choices=ROLES,
                default="",
                help_text="Set at each sign-in from the user's groups.",
                max_length=16,
                verbose_name="role from the identity provider's groups",
            ),
        ),
        migrations.RunPython(split_sources, join_sources),
        migrations.RemoveField(
            model_name="membership",
            name="from_groups",
        ),
        migrations.AlterField(
            model_name="membership",
            name="role",
            field=models.CharField(
                choices=ROLES,
                default="viewer",
                help_text="The higher of the role granted by hand and the role from groups.",
                max_length=16,
                verbose_name="role in force",
            ),
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.CheckConstraint(
                condition=~models.Q(role_by_hand="") | ~models.Q(role_from_groups=""),
                name="membership_has_a_source",
            ),
        ),
    ]
