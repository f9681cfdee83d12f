from django.db import migrations

ROLE_CODES = [
    "admin",
    "unit_admin",
    "supervisor",
    "reading_approver",
    "contractor_admin",
    "field_officer",
    "helpdesk",
    "call_centre",
]


def create_roles(apps, schema_editor):
    Role = apps.get_model("core", "Role")
    Role.objects.bulk_create([Role(code=code) for code in ROLE_CODES], ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
