from django.db import migrations


def place_in_contractor_units(apps, schema_editor):
    """Existing contractor users keep what they reached before placements existed: every unit
    of their contractor. Only an admin whose reach covers all of them may manage such a user."""
    User = apps.get_model("core", "User")
    Placement = User.placed_units.through
    Contractor = apps.get_model("core", "Contractor")
    units_of = {}
    for contractor_id, unit_id in Contractor.units.through.objects.values_list(
        "contractor_id", "unit_id"
    ):
        units_of.setdefault(contractor_id, []).append(unit_id)
    rows = [
        Placement(user_id=user_id, unit_id=unit_id)
        for user_id, contractor_id in User.objects.filter(contractor__isnull=False).values_list(
            "pk", "contractor_id"
        )
        for unit_id in units_of.get(contractor_id, [])
    ]
    Placement.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("core", "0010_user_placed_units")]

    operations = [migrations.RunPython(place_in_contractor_units, migrations.RunPython.noop)]
