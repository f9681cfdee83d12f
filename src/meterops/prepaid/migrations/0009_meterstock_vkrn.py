"""A stock meter's factory key is its VKRN (seed 003; issue #18): KRN 1 was VKRN 41, KRN 2 43."""

from django.db import migrations, models

VKRN_CHOICES = [(41, "41 (kunci lama)"), (42, "42 (kunci lama)"), (43, "43 (KRN-2)")]


def vkrn_from_krn(apps, schema_editor):
    MeterStock = apps.get_model("prepaid", "MeterStock")
    MeterStock.objects.filter(key_revision=2).update(vkrn=43)


class Migration(migrations.Migration):
    dependencies = [("prepaid", "0008_service_request_submission")]

    operations = [
        migrations.AddField(
            model_name="meterstock",
            name="vkrn",
            field=models.PositiveSmallIntegerField(
                choices=VKRN_CHOICES, default=41, verbose_name="VKRN pabrik"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(vkrn_from_krn, migrations.RunPython.noop),
    ]
