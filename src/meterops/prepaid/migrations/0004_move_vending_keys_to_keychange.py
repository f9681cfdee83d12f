"""One key store: prepaid's vending keys move into keychange.VendingKey, sealed, then go.

Mapping: KRN 1 -> VKRN 41, KRN 2 -> VKRN 43 (docs/KEYCHANGE.md); prepaid made every token
with DKGA02 and STA. A unit that already holds a keychange key of that VKRN or KRN keeps it
(the keychange row wins); a prepaid key of another KRN cannot be expressed as a VKRN and is
reported, not moved. The SGC of a prepaid key is not kept: tokens take the meter's SGC.
"""

from django.db import migrations

from meterops.vending import crypto

VKRN_OF_KRN = {1: 41, 2: 43}


def move_keys(apps, schema_editor):
    Old = apps.get_model("prepaid", "VendingKey")
    New = apps.get_model("keychange", "VendingKey")
    for old in Old.objects.order_by("pk"):
        vkrn = VKRN_OF_KRN.get(old.key_revision)
        clash = New.objects.filter(unit_id=old.unit_id, vkrn=vkrn) | New.objects.filter(
            unit_id=old.unit_id, key_revision=old.key_revision
        )
        if vkrn is None or clash.exists():
            print(f"\n  prepaid.VendingKey {old.pk} (KRN {old.key_revision}) not moved")
            continue
        New.objects.create(
            unit_id=old.unit_id,
            vkrn=vkrn,
            key_revision=old.key_revision,
            algorithm="02",
            encryption="07",
            base_date=old.base_date,
            key_material=crypto.seal(bytes.fromhex(old.key_hex)),
            is_test_key=old.is_test_key,
            label=old.label,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("prepaid", "0003_add_token_sales"),
        ("keychange", "0003_seal_vending_keys"),
    ]

    operations = [
        migrations.RunPython(move_keys, migrations.RunPython.noop),
        migrations.DeleteModel(name="VendingKey"),
    ]
