"""Each validation rule on a reading day (issue 7 step 3)."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meterops.reading.choices import ReadingState
from meterops.reading.models import ReadingSettings, previous_period
from meterops.reading.validation import validate_readings

from .helpers import PERIOD, WIB, make_customer, make_day, make_reading, make_route


@pytest.fixture
def route(cast):
    return make_route(make_day(cast.sp_a))


def _validated(reading):
    validate_readings(reading_day=reading.reading_day, period=reading.period)
    reading.refresh_from_db()
    return reading


def _history(customer, *consumptions, last_register="1000"):
    """Readings for the three periods before PERIOD, the last one at ``last_register``."""
    for months, used in zip((3, 2, 1), consumptions, strict=True):
        make_reading(
            customer,
            period=previous_period(PERIOD, months),
            register=last_register if months == 1 else "0",
            consumption_kwh=Decimal(used),
            state=ReadingState.APPROVED,
        )


class PeriodTests:
    def test_previous_period_crosses_the_year(self):
        assert previous_period("202601") == "202512"
        assert previous_period("202603", 3) == "202512"


class ConsumptionTests:
    def test_is_this_stan_minus_last_periods(self, route):
        customer = make_customer(route)
        _history(customer, "100", "100", "100")
        reading = _validated(make_reading(customer, register="1150"))
        assert reading.previous_kwh == Decimal("1000")
        assert reading.consumption_kwh == Decimal("150")

    def test_without_last_period_is_unknown(self, route):
        reading = _validated(make_reading(make_customer(route), register="1150"))
        assert reading.consumption_kwh is None
        assert not reading.flag_negative

    def test_register_rollover_counts_across_the_top(self, route):
        customer = make_customer(route)
        _history(customer, "100", "100", "100", last_register="999950")
        reading = _validated(make_reading(customer, register="40"))
        assert reading.consumption_kwh == Decimal("90")
        assert not reading.flag_negative

    def test_meter_replaced_in_period_uses_final_and_initial_stan(self, route):
        customer = make_customer(route)
        _history(customer, "100", "100", "100")
        reading = _validated(
            make_reading(
                customer,
                register="30",
                old_meter_final_kwh=Decimal("1080"),
                new_meter_initial_kwh=Decimal("0"),
            )
        )
        assert reading.consumption_kwh == Decimal("110")


class HoursOnTests:
    def test_is_kwh_per_kva(self, route):
        customer = make_customer(route, power_va=900)
        _history(customer, "300", "300", "300")
        reading = _validated(make_reading(customer, register="1300"))
        assert reading.hours_on.quantize(Decimal("1")) == Decimal("333")
        assert not reading.flag_hours_on

    def test_above_2000_is_flagged(self, route):
        customer = make_customer(route, power_va=450)
        _history(customer, "900", "900", "900")
        reading = _validated(make_reading(customer, register="1950"))
        assert reading.hours_on > 2000
        assert reading.flag_hours_on


class FlagTests:
    def test_negative_consumption_is_flagged(self, route):
        customer = make_customer(route)
        _history(customer, "100", "100", "100")
        assert _validated(make_reading(customer, register="900")).flag_negative

    def test_zero_consumption_is_flagged(self, route):
        customer = make_customer(route)
        _history(customer, "100", "100", "100")
        assert _validated(make_reading(customer, register="1000")).flag_zero

    def test_above_n_times_the_three_month_average_is_flagged(self, route):
        customer = make_customer(route)
        _history(customer, "100", "100", "100")
        assert not _validated(make_reading(customer, register="1300")).flag_above_average
        customer2 = make_customer(route, sequence=2)
        _history(customer2, "100", "100", "100")
        assert _validated(make_reading(customer2, register="1301")).flag_above_average

    def test_the_factor_is_the_units_setting_inherited_from_above(self, cast, route):
        ReadingSettings.objects.create(unit=cast.area_a, average_factor=Decimal("1.5"))
        customer = make_customer(route)
        _history(customer, "100", "100", "100")
        assert _validated(make_reading(customer, register="1160")).flag_above_average

    def test_reading_outside_the_day_window_is_flagged(self, route):
        on_time = make_reading(make_customer(route), read_at=datetime(2026, 2, 17, 20, tzinfo=WIB))
        late = make_reading(
            make_customer(route, sequence=2), read_at=datetime(2026, 2, 18, 0, 30, tzinfo=WIB)
        )
        assert not _validated(on_time).flag_outside_window
        assert _validated(late).flag_outside_window

    def test_missing_photo_is_flagged_except_for_estimates(self, route):
        assert _validated(make_reading(make_customer(route), photo="")).flag_no_photo
        estimate = make_reading(make_customer(route, sequence=2), photo="", is_estimate=True)
        assert not _validated(estimate).flag_no_photo

    def test_approved_readings_are_left_alone(self, route):
        customer = make_customer(route)
        _history(customer, "100", "100", "100")
        reading = _validated(make_reading(customer, register="900", state=ReadingState.APPROVED))
        assert reading.consumption_kwh is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JIT")
def test_every_statement_of_a_days_validation_runs_without_jit(route):
    """The swaps' UPDATE ran before ``jit = off``: compiling it took 2 s of a 20,000-reading
    day's 2.2 s (bench_reading: 500,000 readings in 97 s, 10 s without)."""
    reading = make_reading(make_customer(route), register="1100")
    with CaptureQueriesContext(connection) as queries:
        validate_readings(reading_day=reading.reading_day, period=PERIOD)
    statements = [q["sql"] for q in queries]
    jit_off = statements.index("SET LOCAL jit = off")
    updates = [i for i, sql in enumerate(statements) if sql.startswith("UPDATE")]
    assert len(updates) == 2 and jit_off < min(updates), statements
