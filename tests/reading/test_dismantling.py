"""Issue #23: a customer dismantled (bongkar rampung, fieldwork, seed 004 §VI) drops off the
reading lists from the period after the dismantling: ACMT's expected readings, the counts and
estimates built on them, and the field app's re-reads."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from meterops.customers.choices import RemovalReason
from meterops.fieldwork import services as fieldwork
from meterops.fieldwork.choices import OrderKind
from meterops.fieldwork.models import Arrears, FieldOrder
from meterops.reading.choices import ReadingState
from meterops.reading.models import Reading, previous_period
from meterops.reading.queries import reading_day_counts, unsent_customers
from meterops.reading.services import estimate_missing_readings
from meterops.reading.worklist import reading_rereads
from tests.factories import MeterFactory
from tests.fieldwork.helpers import arrears, jpeg

from .helpers import WIB, make_customer, make_day, make_reading, make_route


def blth(day) -> str:
    return f"{day:%Y%m}"


TODAY = timezone.localtime(timezone.now(), WIB).date()
THIS_PERIOD = blth(TODAY)
NEXT_PERIOD = blth(TODAY.replace(day=1) + timedelta(days=32))


@pytest.fixture
def route(cast):
    return make_route(make_day(cast.sp_a))


def dismantled(cast, customer):
    """Cut 61 days ago with 3 lembar, then the bongkar rampung order done by the officer."""
    MeterFactory(customer=customer)
    a = arrears(customer, bills=3)
    Arrears.objects.filter(pk=a.pk).update(disconnected_at=timezone.now() - timedelta(days=61))
    fieldwork.issue_dismantling_orders(
        actor=cast.supervisor, arrears=Arrears.objects.filter(pk=a.pk)
    )
    order = FieldOrder.objects.filter(customer=customer, kind=OrderKind.DISMANTLING)
    fieldwork.assign_orders(actor=cast.supervisor, orders=order, officer=cast.officer)
    fieldwork.record_dismantling(
        actor=cast.officer, order=order.get(), register_kwh=Decimal(800), photo=jpeg()
    )
    return customer


class ExpectedReadingsTests:
    def test_record_dismantling_takes_the_meter_out(self, cast, route):
        customer = dismantled(cast, make_customer(route))
        assert customer.current_meter is None
        meter = customer.meters.get()
        assert meter.removal_reason == RemovalReason.DISMANTLED and meter.removed_at == TODAY

    def test_still_read_in_the_dismantling_period_not_after(self, cast, route):
        gone = dismantled(cast, make_customer(route, sequence=1))
        stays = make_customer(route, sequence=2)
        day = route.schedule.reading_day
        assert set(day.customers(THIS_PERIOD)) == {gone, stays}
        assert list(day.customers(NEXT_PERIOD)) == [stays]
        assert list(unsent_customers(day, NEXT_PERIOD)) == [stays]
        assert reading_day_counts(day, NEXT_PERIOD)["to_read"] == 1

    def test_no_estimate_for_a_dismantled_customer(self, cast, route):
        gone = dismantled(cast, make_customer(route))
        for months_back, register in ((2, "100"), (1, "200"), (0, "300")):
            period = previous_period(THIS_PERIOD, months_back) if months_back else THIS_PERIOD
            make_reading(gone, period=period, register=register, consumption_kwh=Decimal(100))
        stays = make_customer(route, sequence=2)  # with the same history: estimated
        for reading in Reading.objects.filter(customer=gone):
            make_reading(stays, period=reading.period, register="1", consumption_kwh=Decimal(100))
        assert (
            estimate_missing_readings(
                actor=cast.supervisor, reading_day=route.schedule.reading_day, period=NEXT_PERIOD
            )
            == 1
        )
        estimated = Reading.objects.filter(period=NEXT_PERIOD)
        assert list(estimated.values_list("customer", flat=True)) == [stays.pk]

    def test_a_new_meter_after_the_dismantling_brings_the_customer_back(self, cast, route):
        customer = dismantled(cast, make_customer(route))
        MeterFactory(customer=customer)  # Paskem: connected again
        assert list(route.schedule.reading_day.customers(NEXT_PERIOD)) == [customer]


class FieldAppRereadsTests:
    def test_rereads_of_a_later_period_leave_the_list(self, cast, route):
        customer = dismantled(cast, make_customer(route))
        now = make_reading(customer, period=THIS_PERIOD, state=ReadingState.REREAD_REQUESTED)
        make_reading(customer, period=NEXT_PERIOD, state=ReadingState.REREAD_REQUESTED)
        assert [item.id for item in reading_rereads(cast.officer)] == [now.pk]
