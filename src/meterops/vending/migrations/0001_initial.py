"""The vending-key store moves here from keychange. Its table stays ``keychange_vendingkey``:
this migration only tells Django's state that the model is vending's, and keychange 0005
removes it from keychange's state; the database and its rows are not touched."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("core", "0008_event_log_keys"),
        ("keychange", "0004_campaign_job_and_test_token"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="VendingKey",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="dibuat"),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="diubah")),
                        (
                            "vkrn",
                            models.PositiveSmallIntegerField(
                                choices=[
                                    (41, "41 (kunci lama)"),
                                    (42, "42 (kunci lama)"),
                                    (43, "43 (KRN-2)"),
                                ],
                                verbose_name="VKRN",
                            ),
                        ),
                        ("key_revision", models.PositiveSmallIntegerField(verbose_name="KRN")),
                        (
                            "algorithm",
                            models.CharField(
                                choices=[("02", "DKGA02"), ("04", "DKGA04")],
                                max_length=2,
                                verbose_name="DKGA",
                            ),
                        ),
                        (
                            "encryption",
                            models.CharField(
                                choices=[
                                    ("07", "STA (EA07)"),
                                    ("09", "DEA (EA09)"),
                                    ("11", "MISTY1 (EA11)"),
                                ],
                                max_length=2,
                                verbose_name="EA",
                            ),
                        ),
                        (
                            "base_date",
                            models.PositiveSmallIntegerField(
                                choices=[(1993, "1993"), (2014, "2014"), (2035, "2035")],
                                verbose_name="base date",
                            ),
                        ),
                        ("key_material", models.BinaryField()),
                        (
                            "is_test_key",
                            models.BooleanField(default=False, verbose_name="kunci uji"),
                        ),
                        (
                            "label",
                            models.CharField(blank=True, max_length=120, verbose_name="keterangan"),
                        ),
                        (
                            "unit",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="core.unit",
                                verbose_name="unit",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "kunci vending",
                        "verbose_name_plural": "kunci vending",
                        "db_table": "keychange_vendingkey",
                        "ordering": ["unit__path", "vkrn"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("unit", "vkrn"), name="keychange_vendingkey_one_vkrn"
                            ),
                            models.UniqueConstraint(
                                fields=("unit", "key_revision"),
                                name="keychange_vendingkey_one_krn",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
