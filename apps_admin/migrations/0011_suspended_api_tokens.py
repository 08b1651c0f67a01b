"""A provider user refused at a silent session check has their API tokens suspended (not
revoked) until they sign in again."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("apps_admin", "0010_membership_two_sources"),
    ]

    operations = [
        migrations.AddField(
            model_name="provideridentity",
            name="suspended_at",
            field=models.DateTimeField(
                blank=True,
                help_text=(
                    "The identity provider refused this person at a session check; their API "
                    "tokens work again once they sign in."
                ),
                null=True,
                verbose_name="API tokens suspended since",
            ),
        ),
    ]
