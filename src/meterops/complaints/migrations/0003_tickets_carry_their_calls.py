"""A ticket's opening call becomes its first call (``TokenCall.ticket``), and the ticket's process
is named by the ticket's number (GGN-/KLH-), not the internal "CALL-<id>" it was opened with."""

from django.db import migrations
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat, LPad

PREFIXES = {"outage": "GGN-", "complaint": "KLH-"}


def forwards(apps, schema_editor):
    Ticket = apps.get_model("complaints", "Ticket")
    TokenCall = apps.get_model("complaints", "TokenCall")
    Process = apps.get_model("core", "Process")
    TokenCall.objects.filter(opened_ticket__isnull=False, ticket__isnull=True).update(
        ticket=Subquery(Ticket.objects.filter(call=OuterRef("pk")).values("pk")[:1])
    )
    for kind, prefix in PREFIXES.items():
        number = Ticket.objects.filter(process=OuterRef("pk")).annotate(
            number=Concat(
                Value(prefix),
                LPad(Cast("pk", CharField()), 7, Value("0")),
                output_field=CharField(),
            )
        )
        Process.objects.filter(
            domain="complaints", reference__startswith="CALL-", complaint_ticket__kind=kind
        ).update(reference=Subquery(number.values("number")[:1]))


class Migration(migrations.Migration):
    dependencies = [("complaints", "0002_wizard_calls_on_ticket_receipt_kwh")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
