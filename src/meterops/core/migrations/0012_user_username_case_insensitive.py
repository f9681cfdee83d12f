import django.db.models.functions.text
from django.db import migrations, models


def refuse_case_duplicates(apps, schema_editor):
    """Stop, naming them, if usernames differing only in case exist: which of the accounts is
    the person's own is for an administrator to decide (rename or deactivate the others),
    not for a migration."""
    User = apps.get_model("core", "User")
    duplicates = (
        User.objects.annotate(lowered=django.db.models.functions.text.Lower("username"))
        .values("lowered")
        .annotate(n=models.Count("pk"))
        .filter(n__gt=1)
        .values_list("lowered", flat=True)
    )
    groups = []
    for lowered in duplicates:
        names = User.objects.filter(username__iexact=lowered).order_by("pk")
        groups.append(", ".join(names.values_list("username", flat=True)))
    if groups:
        raise RuntimeError(
            "core.0012: usernames that differ only in case exist and must be resolved before "
            "migrating (rename all but one in each group, e.g. in the Django admin): "
            + "; ".join(f"[{group}]" for group in groups)
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0011_place_contractor_users")]

    operations = [
        migrations.RunPython(refuse_case_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("username"),
                name="core_user_username_ci_unique",
                violation_error_message="Username ini sudah dipakai.",
            ),
        ),
    ]
