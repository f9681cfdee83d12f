"""Builders for fieldwork tests."""

import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from meterops.fieldwork import services
from meterops.fieldwork.choices import DisconnectionMethod, OrderKind, SignerRole
from meterops.fieldwork.models import Arrears, FieldOrder, NoticeSigner
from tests.factories import CustomerFactory


def jpeg(name="foto.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 160, 200)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def arrears(customer, bills=2, amount="250000", **kwargs) -> Arrears:
    return Arrears.objects.create(
        customer=customer, unit=customer.unit, bills=bills, amount=Decimal(amount), **kwargs
    )


def manager_signer(cast, unit=None) -> NoticeSigner:
    """The Manajer Unit of ``unit`` (ULP ALFA SATU) as TUL VI-01 signer, made once."""
    unit = unit or cast.sp_a
    found = NoticeSigner.objects.filter(unit=unit, role=SignerRole.MANAGER, is_active=True)
    return found.first() or services.designate_signer(
        actor=cast.unit_admin if unit.is_within(cast.area_a) else cast.admin,
        unit=unit,
        role=SignerRole.MANAGER,
        name=f"Manajer {unit.name}",
        position=f"Manajer {unit.name}",
        employee_number="8406001Z",
    )


def print_notice(cast, arrears_rows) -> list[Arrears]:
    """TUL VI-01 printed, signed by the unit's manager (seed 004 §VI)."""
    return services.mark_disconnection_notices_printed(
        actor=cast.supervisor, arrears=arrears_rows, signer=manager_signer(cast)
    )


def disconnect(order, actor, **values) -> FieldOrder:
    """Record a disconnection the allowed way: MCB off and sealed, with a photo."""
    values = {
        "register_kwh": Decimal(500),
        "photo": jpeg(),
        "method": DisconnectionMethod.MCB_SEALED,
        "seal_number": f"SG-{order.pk:05d}",
        **values,
    }
    return services.record_disconnection(actor=actor, order=order, **values)


def disconnection_order(cast, customer=None, bills=2) -> FieldOrder:
    customer = customer or CustomerFactory(unit=cast.sp_a)
    a = arrears(customer, bills=bills)
    print_notice(cast, Arrears.objects.filter(pk=a.pk))
    return order_for(cast, a)


def order_for(cast, a: Arrears) -> FieldOrder:
    """The disconnection order of arrears ``a`` (its signed notice printed), with petugas.a."""
    services.issue_disconnection_orders(
        actor=cast.supervisor, arrears=Arrears.objects.filter(pk=a.pk)
    )
    order = FieldOrder.objects.get(arrears=a, kind=OrderKind.DISCONNECTION)
    services.assign_orders(
        actor=cast.supervisor, orders=FieldOrder.objects.filter(pk=order.pk), officer=cast.officer
    )
    order.refresh_from_db()
    return order
