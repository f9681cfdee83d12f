"""Vending keys at rest: seal every stored plaintext key with AES-GCM (keychange/crypto.py)."""

from django.db import migrations

from meterops.vending import crypto


def seal_all(apps, schema_editor):
    VendingKey = apps.get_model("keychange", "VendingKey")
    for key in VendingKey.objects.all():
        if not crypto.is_sealed(key.key_material):
            key.key_material = crypto.seal(bytes(key.key_material))
            key.save(update_fields=["key_material"])


def open_all(apps, schema_editor):
    VendingKey = apps.get_model("keychange", "VendingKey")
    for key in VendingKey.objects.all():
        if crypto.is_sealed(key.key_material):
            key.key_material = crypto.open_sealed(key.key_material)
            key.save(update_fields=["key_material"])


class Migration(migrations.Migration):
    dependencies = [("keychange", "0002_seed_lampiran_displays")]

    operations = [migrations.RunPython(seal_all, open_all)]
