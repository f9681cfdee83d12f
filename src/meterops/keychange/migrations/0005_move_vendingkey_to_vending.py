"""VendingKey now belongs to meterops.vending (vending 0001), on the same table and rows.

Only Django's state loses the model here. The content type follows the model, so permissions
granted on vending keys and admin history keep pointing at it.
"""

from django.db import migrations


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="vending", model="vendingkey").exists():
        ContentType.objects.filter(app_label="keychange", model="vendingkey").update(
            app_label="vending"
        )


def restore_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="keychange", model="vendingkey").exists():
        ContentType.objects.filter(app_label="vending", model="vendingkey").update(
            app_label="keychange"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("keychange", "0004_campaign_job_and_test_token"),
        # the last migration that reads keychange.VendingKey from the historical state
        ("prepaid", "0004_move_vending_keys_to_keychange"),
        ("vending", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="VendingKey")],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, restore_content_type),
    ]
