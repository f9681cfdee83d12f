"""Rows of the replacement domain for the who-sees-what matrix (tests/core/test_scoping.py)."""

from decimal import Decimal

from django.utils import timezone

from meterops.core.models import Process
from meterops.customers.models import Meter
from meterops.replacement.models import (
    DamageType,
    Document,
    Photo,
    Replacement,
    ReplacementTarget,
    TargetOrigin,
    WorkOrder,
)
from tests.factories import CustomerFactory, UserFactory


def _target(unit):
    customer = CustomerFactory(unit=unit)
    process = Process.objects.create(
        customer=customer,
        unit=unit,
        domain="replacement",
        kind="Target ganti meter",
        state="submitted",
    )
    return ReplacementTarget.objects.create(
        process=process,
        customer=customer,
        unit=unit,
        source="fault",
        damage_type=DamageType.objects.first(),
    )


def _work_order(unit):
    target = _target(unit)
    return WorkOrder.objects.create(
        target=target, unit=unit, number=f"PK/{target.pk}", printed_by=UserFactory(unit=unit)
    )


def _replacement(unit):
    target = _target(unit)
    meter = Meter.objects.create(customer=target.customer, brand="X", meter_number="1")
    user = UserFactory(unit=unit)
    return Replacement.objects.create(
        target=target,
        unit=unit,
        new_meter=meter,
        old_final_reading=Decimal(1),
        new_initial_reading=Decimal(0),
        replaced_on=timezone.localdate(),
        officer=user,
        recorded_by=user,
    )


def _origin(unit):
    target = _target(unit)
    return TargetOrigin.objects.create(
        target=target, customer=target.customer, domain="reading", key="202602"
    )


ROW_IN_UNIT = {
    "replacement.ReplacementTarget": _target,
    "replacement.Photo": lambda unit: Photo.objects.create(target=_target(unit), stage="damage"),
    "replacement.Document": lambda unit: Document.objects.create(
        target=_target(unit), content_type="application/pdf", uploaded_by=UserFactory(unit=unit)
    ),
    "replacement.WorkOrder": _work_order,
    "replacement.Replacement": _replacement,
    "replacement.TargetOrigin": _origin,
}
