"""Readings arriving (upload, field app, estimates) and their verification (issue 7 steps 2-4)."""

from datetime import datetime
from decimal import Decimal

import pytest

from meterops.core.errors import InvalidInput, NotAllowed
from meterops.core.models import ProcessEvent
from meterops.customers.choices import PaymentMode
from meterops.reading.choices import ReadingState
from meterops.reading.errors import NothingToDo, ReadingLocked
from meterops.reading.importer import ReadingRow
from meterops.reading.models import Reading, previous_period
from meterops.reading.services import (
    estimate_missing_readings,
    request_rereads,
    send_reading_day,
    submit_reading,
    verify_readings_as_supervisor,
    verify_readings_as_vendor,
    write_reading_rows,
)
from tests.factories import CustomerFactory

from .helpers import PERIOD, WIB, make_customer, make_reading, make_route

READ_AT = datetime(2026, 2, 15, 9, tzinfo=WIB)


@pytest.fixture
def customers(day):
    route = make_route(day)
    return [make_customer(route, n) for n in (1, 2)]


def _row(customer, register="1200", n=2, **kwargs):
    return ReadingRow(
        row=n,
        customer_id=customer.customer_id,
        register_kwh=Decimal(register),
        read_at=READ_AT,
        **kwargs,
    )


class WriteReadingRowsTests:
    def test_creates_validated_readings_with_their_history(self, cast, customers):
        make_reading(customers[0], period=previous_period(PERIOD), register="1000")
        result, refused = write_reading_rows(
            actor=cast.vendor_a, period=PERIOD, rows=[_row(customers[0])]
        )
        assert refused == []
        reading = Reading.objects.get(customer=customers[0], period=PERIOD)
        assert (result.created, result.replaced) == (1, 0)
        assert reading.consumption_kwh == Decimal("200")
        history = reading.history.get()
        assert (history.history_user, history.state, history.consumption_kwh) == (
            cast.vendor_a,
            "read",
            Decimal("200"),
        )

    def test_a_re_read_replaces_the_reading_and_keeps_its_history(self, cast, customers):
        old = make_reading(customers[0], state=ReadingState.REREAD_REQUESTED, reread_reason="x")
        result, _refused = write_reading_rows(
            actor=cast.vendor_a, period=PERIOD, rows=[_row(customers[0], "1300")]
        )
        old.refresh_from_db()
        assert result.replaced == 1
        assert (old.register_kwh, old.state, old.reread_reason) == (Decimal("1300"), "read", "")
        registers = list(
            old.history.order_by("history_date").values_list("register_kwh", flat=True)
        )
        assert registers == [Decimal("1000"), Decimal("1300")]

    def test_refuses_each_bad_row_with_its_column_and_writes_the_rest(
        self, cast, customers, customer_b
    ):
        prepaid = CustomerFactory(unit=cast.sp_a, payment_mode=PaymentMode.PREPAID)
        unrouted = CustomerFactory(unit=cast.sp_a)
        rows = [
            _row(customers[0], n=2),
            _row(customer_b, n=3),
            _row(prepaid, n=4),
            _row(unrouted, n=5),
            _row(customers[1], n=6, anomaly_code="ZZ"),
            _row(customers[0], n=7),
        ]
        result, refused = write_reading_rows(actor=cast.vendor_a, period=PERIOD, rows=rows)
        assert [(r, c) for r, c, _m in refused] == [
            (3, "IDPEL"),
            (4, "IDPEL"),
            (5, "IDPEL"),
            (6, "LBKB"),
            (7, "IDPEL"),
        ]
        assert result.created == 1
        assert list(Reading.objects.values_list("customer", flat=True)) == [customers[0].pk]

    def test_an_approved_reading_can_not_be_replaced(self, cast, customers):
        make_reading(customers[0], state=ReadingState.APPROVED)
        result, refused = write_reading_rows(
            actor=cast.vendor_a, period=PERIOD, rows=[_row(customers[0])]
        )
        assert "sudah disahkan" in refused[0][2]
        assert result.replaced == 0

    def test_supervisor_can_not_upload(self, cast, customers):
        with pytest.raises(NotAllowed):
            write_reading_rows(actor=cast.supervisor, period=PERIOD, rows=[_row(customers[0])])


class SubmitReadingTests:
    def test_field_officer_submits_one_validated_reading(self, cast, customers):
        make_reading(customers[0], period=previous_period(PERIOD), register="1000")
        reading = submit_reading(
            actor=cast.officer,
            customer=customers[0],
            period=PERIOD,
            register_kwh=Decimal("1100"),
            read_at=READ_AT,
        )
        assert reading.consumption_kwh == Decimal("100")
        assert reading.flag_no_photo
        assert ProcessEvent.objects.get(customer=customers[0]).verb == "reading.read"

    def test_a_re_read_of_an_approved_reading_is_refused(self, cast, customers):
        make_reading(customers[0], state=ReadingState.APPROVED)
        with pytest.raises(ReadingLocked):
            submit_reading(
                actor=cast.officer,
                customer=customers[0],
                period=PERIOD,
                register_kwh=Decimal("1100"),
                read_at=READ_AT,
            )

    def test_a_re_read_goes_back_to_read(self, cast, customers):
        make_reading(customers[0], state=ReadingState.VERIFIED)
        reading = submit_reading(
            actor=cast.officer,
            customer=customers[0],
            period=PERIOD,
            register_kwh=Decimal("1100"),
            read_at=READ_AT,
        )
        assert reading.state == ReadingState.READ
        assert ProcessEvent.objects.get(customer=customers[0]).from_state == "verified"


class EstimateMissingReadingsTests:
    def test_estimates_unread_customers_from_their_three_month_average(self, cast, day, customers):
        for months, register in ((3, "800"), (2, "900"), (1, "1000")):
            make_reading(
                customers[0],
                period=previous_period(PERIOD, months),
                register=register,
                consumption_kwh=Decimal("100"),
            )
        made = estimate_missing_readings(actor=cast.vendor_a, reading_day=day, period=PERIOD)
        reading = Reading.objects.get(customer=customers[0], period=PERIOD)
        assert made == 1  # the second customer has no history to estimate from
        assert (reading.is_estimate, reading.register_kwh) == (True, Decimal("1100"))
        assert reading.history.get().history_user == cast.vendor_a


class VerificationTests:
    def test_vendor_then_supervisor_verify(self, cast, customers):
        reading = make_reading(customers[0])
        readings = Reading.objects.filter(pk=reading.pk)
        assert verify_readings_as_supervisor(actor=cast.supervisor, readings=readings) == 0
        assert verify_readings_as_vendor(actor=cast.vendor_a, readings=readings) == 1
        assert verify_readings_as_supervisor(actor=cast.supervisor, readings=readings) == 1
        reading.refresh_from_db()
        assert reading.state == ReadingState.VERIFIED
        steps = reading.history.order_by("history_date").values_list(
            "state", "history_user__username", "history_change_reason"
        )
        assert list(steps)[1:] == [
            ("vendor_verified", "vendor.a", "reading.vendor_verified"),
            ("verified", "pengawas.a", "reading.verified"),
        ]

    def test_a_vendor_of_another_unit_verifies_nothing(self, cast, customers):
        make_reading(customers[0])
        assert verify_readings_as_vendor(actor=cast.vendor_b, readings=Reading.objects.all()) == 0

    def test_re_read_request_needs_a_reason_and_keeps_it(self, cast, customers):
        reading = make_reading(customers[0], state=ReadingState.VENDOR_VERIFIED)
        with pytest.raises(InvalidInput):
            request_rereads(actor=cast.supervisor, readings=Reading.objects.all(), reason=" ")
        request_rereads(actor=cast.supervisor, readings=Reading.objects.all(), reason="Foto buram")
        reading.refresh_from_db()
        assert (reading.state, reading.reread_reason) == ("reread_requested", "Foto buram")
        assert ProcessEvent.objects.get().note == "Foto buram"


class SendReadingDayTests:
    def test_sends_only_verified_readings(self, cast, day, customers):
        make_reading(customers[0], state=ReadingState.VERIFIED)
        make_reading(customers[1], state=ReadingState.READ)
        assert send_reading_day(actor=cast.vendor_a, reading_day=day, period=PERIOD) == 1
        sent = Reading.objects.get(state=ReadingState.SENT)
        assert sent.history.first().history_user == cast.vendor_a

    def test_nothing_to_send_is_explained(self, cast, day, customers):
        with pytest.raises(NothingToDo):
            send_reading_day(actor=cast.vendor_a, reading_day=day, period=PERIOD)
