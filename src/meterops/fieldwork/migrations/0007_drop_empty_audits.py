"""Drop the audits drawn for a month without readings: they hold no sample and locked their
month ("sudah diambil", issue #19); the draw now refuses such a month."""

from django.db import migrations


def drop_empty_audits(apps, schema_editor):
    AuditMonth = apps.get_model("fieldwork", "AuditMonth")
    AuditMonth.objects.filter(population=0, samples__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("fieldwork", "0006_officer_plans")]

    operations = [migrations.RunPython(drop_empty_audits, migrations.RunPython.noop)]
