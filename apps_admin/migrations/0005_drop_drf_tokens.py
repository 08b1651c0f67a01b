"""DRF's API tokens end here: their table, its migration records and its content types go.

They were kept in clear and cannot become tokens of the new format (whose text their owners
never saw), so they are not carried over: each person makes a new one on /account/tokens/, and
the API answers an old one 401 saying so. The app `rest_framework.authtoken` is no longer
installed; forgetting its migrations means that installing it again would create its table
again, and deleting its content types removes its permissions from the admin's forms (what
`remove_stale_contenttypes` would do).
"""

from django.db import migrations
from django.db.migrations.recorder import MigrationRecorder

TABLE = "authtoken_token"
APP = "authtoken"


def drop_drf_tokens(apps, schema_editor) -> None:
    connection = schema_editor.connection
    if TABLE in connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(TABLE)}")
    MigrationRecorder(connection).migration_qs.filter(app=APP).delete()
    content_types = apps.get_model("contenttypes", "ContentType")
    content_types.objects.using(connection.alias).filter(app_label=APP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("apps_admin", "0004_apitoken"),
        # The models that refer to content types, so that deleting ours takes their rows along.
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [
        # Not reversible in substance: the tokens are gone. Going back leaves nothing to undo.
        migrations.RunPython(drop_drf_tokens, migrations.RunPython.noop),
    ]
