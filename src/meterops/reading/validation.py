"""Validation of readings (issue 7 step 3, seed 004 "Perekaman data kWh meter").

Each rule is one function returning a database expression, so a whole reading day or period
is checked by a few UPDATE statements and one reading (from the mobile API) by the same SQL.
"""

from decimal import Decimal

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from .choices import MAX_HOURS_ON, ReadingState
from .models import Reading, ReadingDay, ReadingSettings, previous_period

KWH = DecimalField(max_digits=12, decimal_places=2)


def _flag(condition: Q) -> Case:
    return Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def previous_register(period: str, *, customer: str = "customer") -> Subquery:
    """Last period's stan of the same customer (``customer``: the outer query's reference)."""
    last = Reading.objects.filter(customer=OuterRef(customer), period=previous_period(period))
    return Subquery(last.values("register_kwh")[:1], output_field=KWH)


def three_month_average(period: str, *, customer: str = "customer") -> Subquery:
    """The customer's average consumption over the three periods before ``period``."""
    periods = [previous_period(period, n) for n in (1, 2, 3)]
    earlier = Reading.objects.filter(
        customer=OuterRef(customer), period__in=periods, consumption_kwh__isnull=False
    )
    average = earlier.values("customer").annotate(a=Avg("consumption_kwh")).values("a")
    return Subquery(average[:1], output_field=KWH)


def consumption(register_digits: int) -> Case:
    """Stan − stan lalu; across a meter replaced in the period, or a register rolled over."""
    top = Decimal(10**register_digits)
    # A register near its top (last 10 %) now near zero (first 10 %) went round once.
    rolled_over = Q(previous_kwh__gte=top * Decimal("0.9"), register_kwh__lt=top * Decimal("0.1"))
    replaced = Q(old_meter_final_kwh__isnull=False, new_meter_initial_kwh__isnull=False)
    return Case(
        When(previous_kwh__isnull=True, then=Value(None)),
        When(
            replaced,
            then=F("old_meter_final_kwh")
            - F("previous_kwh")
            + F("register_kwh")
            - F("new_meter_initial_kwh"),
        ),
        When(rolled_over, then=F("register_kwh") + Value(top) - F("previous_kwh")),
        default=F("register_kwh") - F("previous_kwh"),
        output_field=KWH,
    )


def hours_on() -> ExpressionWrapper:
    """Jam nyala = kWh ÷ contracted kVA (300 kWh on 900 VA = 333 h)."""
    return ExpressionWrapper(F("consumption_kwh") * Value(1000) / F("power_va"), output_field=KWH)


def is_negative() -> Case:
    return _flag(Q(consumption_kwh__lt=0))


def is_zero() -> Case:
    return _flag(Q(consumption_kwh=0))


def is_above_average(factor: Decimal) -> Case:
    """Consumption above ``factor`` × the 3-month average (factor: a unit's setting)."""
    return _flag(Q(average_kwh__gt=0, consumption_kwh__gt=F("average_kwh") * Value(factor)))


def is_hours_on_excessive() -> Case:
    return _flag(Q(hours_on__gt=MAX_HOURS_ON))


def is_outside_window(start, end) -> Case:
    """Read before ``start`` or from ``end`` on: off the reading day's schedule."""
    return _flag(Q(read_at__lt=start) | Q(read_at__gte=end))


def is_missing_photo() -> Case:
    return _flag(Q(is_estimate=False, photo=""))


def validate_readings(*, reading_day: ReadingDay, period: str, only: QuerySet | None = None) -> int:
    """Recompute consumption, jam nyala and every flag of a reading day's readings (set-based).

    Approved readings are left as they are: they changed nothing since their approval.
    """
    settings = ReadingSettings.for_unit(reading_day.unit)
    zone = reading_day.unit.settings_or_default().time_zone
    start, end = reading_day.window(period, settings.window_days, zone)
    readings = Reading.objects.filter(reading_day=reading_day, period=period).exclude(
        state=ReadingState.APPROVED
    )
    if only is not None:
        readings = readings.filter(pk__in=only.values("pk"))
    count = readings.update(
        previous_kwh=previous_register(period), average_kwh=three_month_average(period)
    )
    readings.update(consumption_kwh=consumption(settings.register_digits))
    readings.update(hours_on=hours_on())
    readings.update(
        flag_negative=is_negative(),
        flag_zero=is_zero(),
        flag_above_average=is_above_average(settings.average_factor),
        flag_hours_on=is_hours_on_excessive(),
        flag_outside_window=is_outside_window(start, end),
        flag_no_photo=is_missing_photo(),
    )
    return count
