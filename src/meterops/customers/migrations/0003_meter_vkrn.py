"""A meter's vending key is its VKRN (seed 003; issue #18). Existing meters get the VKRN the
code assumed from their KRN until now: KRN 1 is VKRN 41, KRN 2 is VKRN 43. A meter that is
really on VKRN 42 must be corrected by a DIL upload with its VKRN column."""

from django.db import migrations, models

VKRN_CHOICES = [(41, "41 (kunci lama)"), (42, "42 (kunci lama)"), (43, "43 (KRN-2)")]


def vkrn_from_krn(apps, schema_editor):
    Meter = apps.get_model("customers", "Meter")
    Meter.objects.filter(key_revision=1).update(vkrn=41)
    Meter.objects.filter(key_revision=2).update(vkrn=43)


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_meter_removal_reason")]

    operations = [
        migrations.AddField(
            model_name="historicalmeter",
            name="vkrn",
            field=models.PositiveSmallIntegerField(
                blank=True, choices=VKRN_CHOICES, null=True, verbose_name="VKRN"
            ),
        ),
        migrations.AddField(
            model_name="meter",
            name="vkrn",
            field=models.PositiveSmallIntegerField(
                blank=True, choices=VKRN_CHOICES, null=True, verbose_name="VKRN"
            ),
        ),
        migrations.RunPython(vkrn_from_krn, migrations.RunPython.noop),
    ]
