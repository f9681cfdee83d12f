from django.db import migrations

DAMAGE_TYPES = [
    ("display-mati", "Display mati / blank"),
    ("terbakar", "Meter terbakar"),
    ("segel-rusak", "Segel rusak / hilang"),
    ("register-macet", "Register macet / tidak berputar"),
    ("tamper", "Tamper / indikasi manipulasi"),
    ("keypad-rusak", "Keypad rusak (prabayar)"),
    ("token-tidak-masuk", "Token tidak bisa masuk"),
    ("kwh-tidak-sesuai", "Pengukuran tidak sesuai"),
    ("kaca-pecah", "Kaca / casing pecah"),
    ("mcb-rusak", "MCB / pembatas rusak"),
]


def create_damage_types(apps, schema_editor):
    DamageType = apps.get_model("replacement", "DamageType")
    DamageType.objects.bulk_create(
        [DamageType(code=code, name=name) for code, name in DAMAGE_TYPES], ignore_conflicts=True
    )


class Migration(migrations.Migration):
    dependencies = [("replacement", "0001_initial")]

    operations = [migrations.RunPython(create_damage_types, migrations.RunPython.noop)]
