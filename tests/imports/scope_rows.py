"""Rows of the upload pipeline and the billing rows it makes, for the who-sees-what matrix
(tests/core/test_scoping.py)."""

from decimal import Decimal

from django.utils import timezone

from meterops.imports.models import Upload
from meterops.replacement.models import BillingReplacement
from tests.factories import CustomerFactory, UserFactory


def _upload(unit):
    return Upload.objects.create(
        template_code="to-ex-dg",
        file="imports/x.xlsx",
        original_name="x.xlsx",
        sha256="0" * 64,
        size=1,
        uploaded_by=UserFactory(unit=unit),
        unit=unit,
    )


def _billing_row(unit):
    customer = CustomerFactory(unit=unit)
    return BillingReplacement.objects.create(
        row_key=f"AG{customer.customer_id}",
        customer=customer,
        unit=unit,
        replaced_on=timezone.localdate(),
        new_meter_brand="ITRON",
        new_meter_number="1",
        old_final_reading=Decimal(1),
        new_initial_reading=Decimal(0),
        outcome="conflict",
    )


ROW_IN_UNIT = {
    "imports.Upload": _upload,
    "replacement.BillingReplacement": _billing_row,
}
