"""Rows of complaints' scoped models in a unit, for the matrix in tests/core/test_scoping.py."""

from datetime import timedelta

from django.utils import timezone

from meterops.complaints.models import (
    ComplaintSettings,
    ProbingStep,
    ReplacementToken,
    Ticket,
    TokenCall,
)
from meterops.core.models import Process
from tests.factories import CustomerFactory, UserFactory


def _call(unit):
    customer = CustomerFactory(unit=unit)
    return TokenCall.objects.create(customer=customer, unit=unit, agent=UserFactory(unit=unit))


def _ticket(unit):
    call = _call(unit)
    process = Process.objects.create(
        customer=call.customer, unit=unit, domain="complaints", kind="uji", state="open"
    )
    return Ticket.objects.create(
        process=process,
        call=call,
        customer=call.customer,
        unit=unit,
        kind="outage",
        due_at=timezone.now() + timedelta(hours=3),
    )


ROW_IN_UNIT = {
    "complaints.TokenCall": _call,
    "complaints.Ticket": _ticket,
    "complaints.ReplacementToken": lambda unit: ReplacementToken.objects.create(
        call=_call(unit),
        unit=unit,
        original_token="1" * 20,
        quantity=1,
        token="2" * 20,
        issued_by=UserFactory(unit=unit),
    ),
    "complaints.ProbingStep": lambda unit: ProbingStep.objects.create(unit=unit, text="uji"),
    "complaints.ComplaintSettings": lambda unit: ComplaintSettings.objects.create(unit=unit),
}
