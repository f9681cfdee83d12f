"""Builders for reading tests: a reading day with a route, its customers and their readings."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from meterops.core.choices import RoleCode
from meterops.reading.choices import ReadingState
from meterops.reading.models import AnomalyCode, Reading, ReadingDay, RouteSchedule
from tests.factories import CustomerFactory, RouteFactory, UserFactory

PERIOD = "202602"
WIB = ZoneInfo("Asia/Jakarta")


def make_day(unit, code="A", day_of_month=15) -> ReadingDay:
    return ReadingDay.objects.create(unit=unit, code=code, day_of_month=day_of_month)


def make_route(reading_day, code=None):
    route = RouteFactory(unit=reading_day.unit, **({"code": code} if code else {}))
    RouteSchedule.objects.create(route=route, reading_day=reading_day)
    return route


def make_customer(route, sequence=1, **kwargs):
    return CustomerFactory(unit=route.unit, route=route, route_sequence=sequence, **kwargs)


def make_reading(customer, period=PERIOD, register="1000", state=ReadingState.READ, **kwargs):
    schedule = customer.route.schedule
    values = {
        "read_at": datetime(int(period[:4]), int(period[4:]), 15, 9, 0, tzinfo=WIB),
        "photo": "foto.jpg",
        "power_va": customer.power_va,
        **kwargs,
    }
    if state == ReadingState.REREAD_REQUESTED:
        # As request_rereads leaves it: the work list finds re-reads by their reason.
        values.setdefault("reread_reason", "Stan meragukan")
    return Reading.objects.create(
        customer=customer,
        unit=customer.unit,
        reading_day=schedule.reading_day,
        period=period,
        register_kwh=Decimal(register),
        state=state,
        **values,
    )


def make_approver(unit, username="spvte.a"):
    return UserFactory(username=username, unit=unit, roles=[RoleCode.READING_APPROVER])


def anomaly(code="MB", label="Meter buram"):
    """An LBKB code; the migration's rows are gone after a flushed (transactional) test."""
    return AnomalyCode.objects.get_or_create(code=code, defaults={"label": label})[0]
