"""Strictly increasing TIDs per meter and base date (issue #18), and keys chosen by VKRN alone:
VKRN 42 and 43 both hold KRN 2 (seed 003), so one unit may keep both."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("vending", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="TidCounter",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("meter_number", models.CharField(max_length=13, verbose_name="no meter")),
                (
                    "base_date",
                    models.PositiveSmallIntegerField(
                        choices=[(1993, "1993"), (2014, "2014"), (2035, "2035")],
                        verbose_name="base date",
                    ),
                ),
                ("last_tid", models.PositiveIntegerField(verbose_name="TID terakhir")),
                ("tokens", models.PositiveIntegerField(verbose_name="jumlah token")),
            ],
            options={"verbose_name": "TID meter", "verbose_name_plural": "TID meter"},
        ),
        migrations.AddConstraint(
            model_name="tidcounter",
            constraint=models.UniqueConstraint(
                fields=("meter_number", "base_date"), name="vending_tidcounter_one_per_key"
            ),
        ),
        migrations.RemoveConstraint(model_name="vendingkey", name="keychange_vendingkey_one_krn"),
    ]
