"""Reading photos get random names (issue #17): existing files are renamed, their rows updated.

Not atomic: each batch of files commits on its own, so a large media folder can be renamed in
one run, stopped, and run again (core.media.rename_stored_files says how it stays safe).
Reversing keeps the random names: the old guessable ones are what the finding was about.
"""

from django.db import migrations

from meterops.core.media import rename_stored_files


def rename(apps, schema_editor):
    rename_stored_files(apps, schema_editor, "reading.Reading", "photo")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reading", "0007_random_media_names"),
    ]

    operations = [migrations.RunPython(rename, migrations.RunPython.noop)]
