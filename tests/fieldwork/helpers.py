"""Builders for fieldwork tests."""

import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from meterops.fieldwork import services
from meterops.fieldwork.choices import OrderKind
from meterops.fieldwork.models import Arrears, FieldOrder
from tests.factories import CustomerFactory


def jpeg(name="foto.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 160, 200)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def arrears(customer, bills=2, amount="250000", **kwargs) -> Arrears:
    return Arrears.objects.create(
        customer=customer, unit=customer.unit, bills=bills, amount=Decimal(amount), **kwargs
    )


def disconnection_order(cast, customer=None, bills=2) -> FieldOrder:
    customer = customer or CustomerFactory(unit=cast.sp_a)
    a = arrears(customer, bills=bills)
    services.issue_disconnection_orders(
        actor=cast.supervisor, arrears=Arrears.objects.filter(pk=a.pk)
    )
    order = FieldOrder.objects.get(arrears=a, kind=OrderKind.DISCONNECTION)
    services.assign_orders(
        actor=cast.supervisor, orders=FieldOrder.objects.filter(pk=order.pk), officer=cast.officer
    )
    order.refresh_from_db()
    return order
