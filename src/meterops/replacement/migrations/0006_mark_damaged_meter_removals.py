"""Meters already taken out by a HOME replacement were removed as damaged: say so, with the
TO's damage type, so they are refused as anyone's new meter (customers.RemovalReason)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def mark_damaged(apps, schema_editor):
    Meter = apps.get_model("customers", "Meter")
    Replacement = apps.get_model("replacement", "Replacement")
    damage = Replacement.objects.filter(old_meter=OuterRef("pk")).values(
        "target__damage_type__name"
    )[:1]
    Meter.objects.filter(
        pk__in=Replacement.objects.filter(old_meter__isnull=False).values("old_meter")
    ).update(removal_reason="damaged", removal_note=Subquery(damage))


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_meter_removal_reason"),
        ("replacement", "0005_drop_redundant_indexes"),
    ]

    operations = [migrations.RunPython(mark_damaged, migrations.RunPython.noop)]
