"""complaints 0003: a ticket opened before a ticket carried several calls gets its opening call
as its first call, and its process is named by the ticket's number instead of "CALL-<id>"."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from meterops.core.choices import UnitLevel
from meterops.core.models import Process
from tests.factories import CustomerFactory, UnitFactory, UserFactory

BEFORE = [("complaints", "0001_initial")]
AFTER = [("complaints", "0003_tickets_carry_their_calls")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
class TicketCallsMigrationTests:
    def teardown_method(self):
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    def test_old_tickets_get_their_call_and_their_number(self):
        old = _migrate(BEFORE)
        unit = UnitFactory(code="99000", level=UnitLevel.REGION)
        agent = UserFactory(unit=unit)
        TokenCall, Ticket = (
            old.get_model("complaints", "TokenCall"),
            old.get_model("complaints", "Ticket"),
        )
        made = []
        for kind in ("outage", "complaint"):
            customer = CustomerFactory(unit=unit)
            call = TokenCall.objects.create(
                customer_id=customer.pk, unit_id=unit.pk, agent_id=agent.pk
            )
            process = Process.objects.create(
                customer=customer,
                unit=unit,
                domain="complaints",
                kind="uji",
                reference=f"CALL-{call.pk}",
                state="open",
            )
            ticket = Ticket.objects.create(
                process_id=process.pk,
                call_id=call.pk,
                customer_id=customer.pk,
                unit_id=unit.pk,
                kind=kind,
                due_at=timezone.now() + timedelta(hours=3),
            )
            made.append((ticket.pk, call.pk, process.pk))
        probing = TokenCall.objects.create(
            customer_id=customer.pk, unit_id=unit.pk, agent_id=agent.pk
        )

        new = _migrate(AFTER)

        TokenCall = new.get_model("complaints", "TokenCall")
        (outage, outage_call, outage_process), (complaint, complaint_call, complaint_process) = made
        assert TokenCall.objects.get(pk=outage_call).ticket_id == outage
        assert TokenCall.objects.get(pk=complaint_call).ticket_id == complaint
        assert TokenCall.objects.get(pk=probing.pk).ticket_id is None
        assert Process.objects.get(pk=outage_process).reference == f"GGN-{outage:07d}"
        assert Process.objects.get(pk=complaint_process).reference == f"KLH-{complaint:07d}"
