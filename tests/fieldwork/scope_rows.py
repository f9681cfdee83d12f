"""Rows of the fieldwork domain for the who-sees-what matrix (tests/core/test_scoping.py)."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from meterops.fieldwork.models import (
    Arrears,
    AuditMonth,
    AuditSample,
    Campaign,
    FieldOrder,
    MoveProposal,
    NoticeSigner,
    OfficerTarget,
    Payment,
)
from tests.factories import CustomerFactory, UserFactory
from tests.reading.helpers import make_customer, make_day, make_reading, make_route

_periods = iter(range(1, 10_000))


def _audit(unit):
    year = 2000 + next(_periods)
    return AuditMonth.objects.create(
        unit=unit,
        period=f"{year}01",
        seed=1,
        sample_percent=Decimal(5),
        sample_minimum=1,
        schedule_tolerance_days=1,
        accuracy_tolerance_kwh=Decimal(5),
        drawn_by=UserFactory(unit=unit),
    )


def _sample(unit):
    day = make_day(unit, code=f"S{next(_periods)}")
    reading = make_reading(make_customer(make_route(day)))
    return AuditSample.objects.create(
        audit=_audit(unit),
        reading=reading,
        customer=reading.customer,
        register_kwh=reading.register_kwh,
    )


def _order(unit):
    customer = CustomerFactory(unit=unit)
    return FieldOrder.objects.create(
        unit=unit, customer=customer, kind="notice", issued_by=UserFactory(unit=unit)
    )


ROW_IN_UNIT = {
    "fieldwork.AuditMonth": _audit,
    "fieldwork.AuditSample": _sample,
    "fieldwork.Campaign": lambda unit: Campaign.objects.create(
        unit=unit, name="Brosur", material="brochure", created_by=UserFactory(unit=unit)
    ),
    "fieldwork.Arrears": lambda unit: Arrears.objects.create(
        customer=CustomerFactory(unit=unit), unit=unit, bills=2
    ),
    "fieldwork.FieldOrder": _order,
    "fieldwork.MoveProposal": lambda unit: MoveProposal.objects.create(
        unit=unit, customer=CustomerFactory(unit=unit), proposed_by=UserFactory(unit=unit)
    ),
    "fieldwork.NoticeSigner": lambda unit: NoticeSigner.objects.create(
        unit=unit,
        role="designated",
        name="Pejabat",
        position="SPV",
        created_by=UserFactory(unit=unit),
    ),
    "fieldwork.Payment": lambda unit: Payment.objects.create(
        reference=f"PAY-{next(_periods)}",
        customer=CustomerFactory(unit=unit),
        unit=unit,
        paid_at=timezone.now(),
        received_by=UserFactory(unit=unit),
    ),
    "fieldwork.OfficerTarget": lambda unit: OfficerTarget.objects.create(
        unit=unit,
        officer=UserFactory(unit=unit),
        day=date(2026, 1, 5),
        kind="notice",
        target=10,
        set_by=UserFactory(unit=unit),
    ),
}
