"""The field app's re-reads from a partial index (issue #22): every officer's poll asked for the
readings sent back in its units, and PostgreSQL read the whole reading table for them (60
million rows at 5,000,000 customers). Built concurrently on PostgreSQL, so a populated database
keeps taking readings while it builds."""

from django.db import migrations, models
from django.db.models import Q

INDEX = models.Index(fields=["unit"], condition=~Q(reread_reason=""), name="reading_open_reread")


def create_index(apps, schema_editor):
    reading = apps.get_model("reading", "Reading")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(reading, INDEX, concurrently=True)
    else:
        schema_editor.add_index(reading, INDEX)


def drop_index(apps, schema_editor):
    reading = apps.get_model("reading", "Reading")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(reading, INDEX, concurrently=True)
    else:
        schema_editor.remove_index(reading, INDEX)


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False
    dependencies = [("reading", "0012_reading_flag_disconnected")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="reading", index=INDEX)],
            database_operations=[migrations.RunPython(create_index, drop_index, elidable=False)],
        )
    ]
