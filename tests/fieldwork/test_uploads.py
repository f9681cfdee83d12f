"""Unggah Tunggakan through the shared Upload pipeline (docs/IMPORTS.md, seed 004 §VI)."""

from decimal import Decimal

import pytest

from meterops.core.errors import WrongState
from meterops.fieldwork import services
from meterops.fieldwork.choices import OrderKind
from meterops.fieldwork.models import Arrears, FieldOrder
from meterops.imports.models import UploadRow, UploadState
from tests.factories import CustomerFactory
from tests.fieldwork.helpers import arrears, disconnect, disconnection_order, manager_signer
from tests.imports.conftest import applied, checked, csv_file

HEADERS = ["IDPEL", "LEMBAR", "JUMLAH"]


class ArrearsUploadTests:
    def test_rows_become_arrears_linked_to_their_rows(self, cast):
        a, b = CustomerFactory(unit=cast.sp_a), CustomerFactory(unit=cast.sp_a)
        rows = [[a.customer_id, "2", "310000"], [b.customer_id, "0", "0"]]
        upload = applied(cast.supervisor, "tunggakan", csv_file(rows, headers=HEADERS))
        assert upload.state == UploadState.APPLIED
        arrears = Arrears.objects.get()
        assert (arrears.customer, arrears.bills, arrears.amount) == (a, 2, Decimal(310000))
        assert UploadRow.objects.get(upload=upload, status="new").record_id == arrears.pk

    def test_other_units_customer_is_rejected_in_the_preview(self, cast, customer_b):
        upload = checked(
            cast.supervisor,
            "tunggakan",
            csv_file([[customer_b.customer_id, "3", "1"]], headers=HEADERS),
        )
        assert upload.rejected_rows == 1

    def test_a_prepaid_customer_is_rejected_with_the_reason(self, cast):
        """Before issue #18 a prepaid customer's row became arrears, then TUL VI-01 and a
        disconnection order."""
        prepaid = CustomerFactory(unit=cast.sp_a, payment_mode="prepaid")
        postpaid = CustomerFactory(unit=cast.sp_a)
        rows = [[prepaid.customer_id, "2", "310000"], [postpaid.customer_id, "2", "310000"]]
        upload = applied(cast.supervisor, "tunggakan", csv_file(rows, headers=HEADERS))
        assert (upload.rejected_rows, upload.new_rows) == (1, 1)
        rejected = UploadRow.objects.get(upload=upload, status="rejected")
        assert rejected.error_column == "IDPEL" and "prabayar" in rejected.reason
        assert list(Arrears.objects.values_list("customer", flat=True)) == [postpaid.pk]

    def test_arrears_of_a_prepaid_customer_get_no_notice_and_no_order(self, cast):
        prepaid = CustomerFactory(unit=cast.sp_a, payment_mode="prepaid")
        row = arrears(prepaid, bills=3)
        chosen = Arrears.objects.filter(pk=row.pk)
        with pytest.raises(WrongState, match="prabayar"):
            services.mark_disconnection_notices_printed(
                actor=cast.supervisor, arrears=chosen, signer=manager_signer(cast)
            )
        with pytest.raises(WrongState, match="prabayar"):
            services.issue_disconnection_orders(actor=cast.supervisor, arrears=chosen)
        assert not FieldOrder.objects.exists()

    def test_zero_lembar_after_disconnection_orders_reconnection(self, cast):
        order = disconnection_order(cast)
        disconnect(order, cast.officer, register_kwh=Decimal(10))
        rows = [[order.customer.customer_id, "0", "0"]]
        upload = applied(cast.supervisor, "tunggakan", csv_file(rows, headers=HEADERS))
        assert upload.changed_rows == 1
        assert Arrears.objects.get().paid_at is not None
        assert FieldOrder.objects.filter(kind=OrderKind.RECONNECTION).count() == 1
