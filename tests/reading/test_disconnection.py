"""Issue #23, "Disconnection explains zero": a customer cut for arrears (fieldwork's pemutusan
sementara, seed 004 §VI) reads zero because the meter is off, which reading validation flags as
such, not as unexplained zero consumption; set-based, inside the reading day's one UPDATE."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meterops.fieldwork import services as fieldwork
from meterops.fieldwork.choices import OrderKind
from meterops.fieldwork.models import Arrears, FieldOrder
from meterops.reading.choices import ReadingState
from meterops.reading.models import Reading, previous_period
from meterops.reading.validation import validate_readings
from tests.fieldwork.helpers import (
    disconnect,
    disconnection_order,
    jpeg,
    print_notice,
)

from .helpers import WIB, make_customer, make_day, make_reading, make_route

NOW_PERIOD = f"{timezone.localtime(timezone.now(), WIB):%Y%m}"


@pytest.fixture
def route(cast):
    return make_route(make_day(cast.sp_a))


@pytest.fixture
def cut(cast, route):
    """A customer whose meter the officer cut for arrears (the order recorded done)."""
    customer = make_customer(route)
    disconnect(disconnection_order(cast, customer), cast.officer)
    return customer


def _issued_before(order, moment):
    FieldOrder.objects.filter(pk=order.pk).update(issued_at=moment - timedelta(hours=1))
    order.refresh_from_db()
    return order


def cut_again(cast, customer, at):
    """New arrears reported after a payment, a new notice printed, the meter cut ``at``."""
    fieldwork.write_arrears_rows(actor=cast.supervisor, rows={customer.pk: (2, 250000, None)})
    arrears = Arrears.objects.get(customer=customer)
    print_notice(cast, Arrears.objects.filter(pk=arrears.pk))
    fieldwork.issue_disconnection_orders(
        actor=cast.supervisor, arrears=Arrears.objects.filter(pk=arrears.pk)
    )
    order = FieldOrder.objects.get(arrears=arrears, kind=OrderKind.DISCONNECTION, done_at=None)
    fieldwork.assign_orders(
        actor=cast.supervisor, orders=FieldOrder.objects.filter(pk=order.pk), officer=cast.officer
    )
    disconnect(_issued_before(order, at), cast.officer, at=at)


def reconnect(cast, customer, at):
    """Paid an hour before ``at``; the officer reconnects the meter ``at``, as recorded."""
    fieldwork.record_payment(
        actor=cast.supervisor, customer=customer, paid_at=at - timedelta(hours=1)
    )
    order = FieldOrder.objects.get(customer=customer, kind=OrderKind.RECONNECTION, done_at=None)
    fieldwork.assign_orders(
        actor=cast.supervisor, orders=FieldOrder.objects.filter(pk=order.pk), officer=cast.officer
    )
    fieldwork.record_reconnection(
        actor=cast.officer,
        order=_issued_before(order, at),
        register_kwh=Decimal(1000),
        photo=jpeg(),
        at=at,
    )


def validated(customer, register="1000", read_at=None, period=NOW_PERIOD):
    """A reading of ``period`` after the stan 1000 of the period before (approved), validated."""
    make_reading(
        customer, period=previous_period(period), register="1000", state=ReadingState.APPROVED
    )
    reading = make_reading(
        customer,
        period=period,
        register=register,
        read_at=read_at or timezone.now() + timedelta(minutes=5),
    )
    validate_readings(reading_day=reading.reading_day, period=period)
    reading.refresh_from_db()
    return reading


class DisconnectionExplainsZeroTests:
    def test_zero_of_a_disconnected_customer_is_flagged_pelanggan_diputus(self, cut):
        reading = validated(cut)
        assert reading.consumption_kwh == Decimal(0)
        assert reading.flag_disconnected and not reading.flag_zero
        assert "Pemakaian nol: pelanggan diputus (tunggakan)" in reading.flags()
        assert "Pemakaian nol" not in reading.flags()

    def test_zero_read_before_the_cut_stays_unexplained(self, cut):
        reading = validated(cut, read_at=timezone.now() - timedelta(days=1))
        assert reading.flag_zero and not reading.flag_disconnected

    def test_zero_after_the_reconnection_stays_unexplained(self, cast, cut):
        reconnect(cast, cut, at=timezone.now())
        reading = validated(cut)
        assert reading.flag_zero and not reading.flag_disconnected

    def test_reconnected_after_the_reading_was_still_off_when_read(self, cast, route):
        customer = make_customer(route)
        now = timezone.now()
        order = _issued_before(disconnection_order(cast, customer), now - timedelta(days=3))
        disconnect(order, cast.officer, at=now - timedelta(days=3))
        reconnect(cast, customer, at=now - timedelta(days=1))
        assert validated(customer, read_at=now - timedelta(days=2)).flag_disconnected

    def test_an_old_period_validated_again_sees_the_cut_it_was_read_under(self, cast, route):
        """The arrears row keeps only the latest cut: a month read during an earlier cut,
        validated again after the customer was reconnected and cut again, still finds it."""
        customer = make_customer(route)
        now = timezone.now()
        order = _issued_before(disconnection_order(cast, customer), now - timedelta(days=40))
        disconnect(order, cast.officer, at=now - timedelta(days=40))
        reconnect(cast, customer, at=now - timedelta(days=30))
        cut_again(cast, customer, at=now - timedelta(days=2))
        period = previous_period(NOW_PERIOD)
        reading = validated(customer, read_at=now - timedelta(days=35), period=period)
        assert reading.flag_disconnected and not reading.flag_zero
        Reading.objects.filter(pk=reading.pk).update(read_at=now - timedelta(days=10))
        validate_readings(reading_day=reading.reading_day, period=period)
        reading.refresh_from_db()
        # Read between the reconnection and the second cut: the meter was on.
        assert reading.flag_zero and not reading.flag_disconnected

    def test_a_failed_disconnection_explains_nothing(self, cast, route):
        customer = make_customer(route)
        order = disconnection_order(cast, customer)
        fieldwork.fail_order(actor=cast.officer, order=order, reason="Rumah kosong")
        assert validated(customer).flag_zero

    def test_consumption_while_disconnected_is_not_explained_away(self, cut):
        reading = validated(cut, register="1080")
        assert not reading.flag_disconnected and not reading.flag_zero

    def test_other_customers_zero_is_still_flagged_zero(self, route):
        reading = validated(make_customer(route, sequence=2))
        assert reading.flag_zero and not reading.flag_disconnected

    def test_the_day_is_still_checked_by_one_update(self, cut, route):
        validated(cut)
        other = make_customer(route, sequence=2)
        make_reading(other, period=NOW_PERIOD, register="1000", read_at=timezone.now())
        with CaptureQueriesContext(connection) as queries:
            validate_readings(reading_day=route.schedule.reading_day, period=NOW_PERIOD)
        table = Reading._meta.db_table
        assert [q["sql"] for q in queries if q["sql"].startswith(f"UPDATE {table}")] != []
        # One UPDATE gives the readings their recorded meter swaps, one sets every flag: the
        # disconnection rule is a condition inside the second, not a statement of its own.
        assert sum(q["sql"].startswith("UPDATE") for q in queries) == 2


class VerificationPageTests:
    def test_shows_the_reason_and_filters_on_it(self, cast, cut, route, client_for):
        reading = validated(cut)
        query = {"reading_day": reading.reading_day_id, "period": NOW_PERIOD}
        client = client_for(cast.supervisor)
        page = client.get("/reading/verifications/", query).content.decode()
        assert "Pemakaian nol: pelanggan diputus (tunggakan)" in page
        only = client.get("/reading/verifications/", {**query, "flag": "flag_disconnected"})
        assert [r.pk for r in only.context["page"]] == [reading.pk]
        zero = client.get("/reading/verifications/", {**query, "flag": "flag_zero"})
        assert list(zero.context["page"]) == []
