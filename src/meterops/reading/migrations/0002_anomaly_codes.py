from django.db import migrations

# The LBKB codes the seeds name (rumah kosong, meter buram, segel rusak) and a few common ones;
# the list is kept in the admin afterwards.
CODES = [
    ("RK", "Rumah kosong / tutup"),
    ("MB", "Meter buram / tidak terbaca"),
    ("SR", "Segel rusak"),
    ("MR", "Meter rusak / mati"),
    ("AT", "Alamat tidak ditemukan"),
    ("PT", "Pintu / pagar terkunci"),
    ("BG", "Binatang galak"),
    ("PS", "Putus sementara"),
]


def add_codes(apps, schema_editor):
    AnomalyCode = apps.get_model("reading", "AnomalyCode")
    AnomalyCode.objects.bulk_create(
        [AnomalyCode(code=code, label=label) for code, label in CODES], ignore_conflicts=True
    )


class Migration(migrations.Migration):
    dependencies = [("reading", "0001_initial")]
    operations = [migrations.RunPython(add_codes, migrations.RunPython.noop)]
