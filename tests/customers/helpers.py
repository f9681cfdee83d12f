"""A meter taken out as damaged, the way the field does it (HOME, seed 000)."""

from decimal import Decimal

from django.utils import timezone

from meterops.replacement.models import DamageType
from meterops.replacement.services import (
    DamageReport,
    NewMeter,
    print_work_orders,
    record_replacement,
    report_damage,
    verify_target,
)
from tests.factories import CustomerFactory, MeterFactory
from tests.replacement.conftest import jpeg

DAMAGED_METER = "45000000077"


def meter_removed_as_damaged(cast, meter_number=DAMAGED_METER):
    """Customer A's meter, replaced because its register stuck ("Register macet")."""
    customer = CustomerFactory(unit=cast.sp_a, name="PELANGGAN A")
    MeterFactory(customer=customer, meter_number=meter_number)
    damage, _created = DamageType.objects.get_or_create(
        code="register-macet", defaults={"name": "Register macet / tidak berputar"}
    )
    target = report_damage(
        actor=cast.supervisor,
        customer=customer,
        report=DamageReport(damage_type=damage),
        photos=[jpeg()],
    )
    target = verify_target(target=target, actor=cast.supervisor)
    (work_order,) = print_work_orders(targets=[target], actor=cast.supervisor)
    record_replacement(
        target=work_order.target,
        actor=cast.supervisor,
        officer=cast.officer,
        new_meter=NewMeter(brand="itron", meter_number="56000000077", initial_reading=Decimal(0)),
        old_final_reading=Decimal("100"),
        replaced_on=timezone.localdate(),
        photos=[jpeg("sebelum.jpg"), jpeg("sesudah.jpg")],
    )
    return customer
