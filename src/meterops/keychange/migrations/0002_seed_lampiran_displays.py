"""Lampiran I of seed 003: what each meter brand shows after "04 enter" once on KRN-2."""

from django.db import migrations

LAMPIRAN_I = (
    ("CANNET", "", "KRN2 KT2"),
    ("FUJIDHARMA", "", "KRN2 KT2"),
    ("HEXING", "", "KRN 02 KT 02"),
    ("ITRON", "", "2-2"),
    ("ITRON", "ACE 9000", "REV 2"),
    ("MELCOINDA", "", "KRN2 KT2"),
    ("SANXING", "", "KRN2 KT2"),
    ("SMART", "", "KRN 02 KT 02"),
    ("STAR", "", "2"),
)


def add_displays(apps, schema_editor):
    DisplayExpectation = apps.get_model("keychange", "DisplayExpectation")
    DisplayExpectation.objects.bulk_create(
        [
            DisplayExpectation(brand=brand, model_hint=hint, expected_display=display)
            for brand, hint, display in LAMPIRAN_I
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("keychange", "0001_initial")]

    operations = [migrations.RunPython(add_displays, migrations.RunPython.noop)]
