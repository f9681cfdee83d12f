"""Validation of readings (issue 7 step 3, seed 004 "Perekaman data kWh meter").

Each rule is one function returning a SQL expression over the columns of a reading (``r``)
and its customer's history (``h.prev``: last period's stan, ``h.avg``: the 3-month average
consumption). ``validate_readings`` composes them into ONE ``UPDATE ... FROM`` per reading
day, so a million readings are checked set-based, and one reading (from the field app) by
the very same statement. Runs on PostgreSQL and SQLite (3.33+).
"""

from collections.abc import Callable
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import QuerySet

from meterops.core.transitions import without_jit

from .choices import MAX_HOURS_ON, ReadingState
from .models import Reading, ReadingDay, ReadingSettings, previous_period


def consumption(register_digits: int) -> str:
    """Stan − stan lalu; across a meter replaced in the period, or a register rolled over.

    A register near its top (last 10 %) now near zero (first 10 %) went round once.
    """
    top = 10**register_digits
    return (
        "(CASE WHEN h.prev IS NULL THEN NULL"
        " WHEN r.old_meter_final_kwh IS NOT NULL AND r.new_meter_initial_kwh IS NOT NULL"
        " THEN r.old_meter_final_kwh - h.prev + r.register_kwh - r.new_meter_initial_kwh"
        f" WHEN h.prev >= {top * 9 // 10} AND r.register_kwh < {top // 10}"
        f" THEN r.register_kwh + {top} - h.prev"
        " ELSE r.register_kwh - h.prev END)"
    )


def hours_on(kwh: str) -> str:
    """Jam nyala = kWh ÷ contracted kVA (300 kWh on 900 VA = 333,33 h), at the two decimals
    it is stored and shown with: the flag and the approval judge this very value."""
    return f"ROUND({kwh} * 1000.0 / r.power_va, 2)"


def _flag(condition: str) -> str:
    return f"(CASE WHEN {condition} THEN 1 ELSE 0 END = 1)"


def is_negative(kwh: str) -> str:
    return _flag(f"{kwh} < 0")


# The SQL condition "the customer of ``r`` was disconnected, and not reconnected, when read",
# given by the fieldwork app (above this one in the layers) in its AppConfig.ready(). It must
# never be NULL (an EXISTS): NOT of it decides the zero flag.
_DISCONNECTED: list[Callable[[], str]] = []


def register_disconnection_rule(condition: Callable[[], str]) -> None:
    _DISCONNECTED[:] = [condition]


def disconnected() -> str:
    return _DISCONNECTED[0]() if _DISCONNECTED else "1 = 0"


def is_zero(kwh: str) -> str:
    """Zero consumption nothing explains: a disconnected customer's is ``is_disconnected``."""
    return _flag(f"{kwh} = 0 AND NOT ({disconnected()})")


def is_disconnected(kwh: str) -> str:
    """Zero consumption of a customer disconnected for arrears and not reconnected when read
    (issue #23, "Disconnection explains zero"): flagged as such, not as an unexplained zero."""
    return _flag(f"{kwh} = 0 AND {disconnected()}")


def is_above_average(kwh: str, factor: Decimal) -> str:
    """Consumption above ``factor`` × the 3-month average (factor: a unit's setting)."""
    return _flag(f"h.avg > 0 AND {kwh} > h.avg * {Decimal(factor):f}")


def is_hours_on_excessive(hours: str) -> str:
    """Jam nyala above 2000 (seed 001: "Pelanggan dengan jam nyala lebih dari 2000 jam nyala
    tidak dapat disahkan"): the flag the verifier sees is what holds the approval back."""
    return _flag(f"{hours} > {MAX_HOURS_ON}")


def is_outside_window() -> str:
    """Read before the window's start or from its end on (both parameters: %s, %s)."""
    return _flag("r.read_at < %s OR r.read_at >= %s")


def is_missing_photo() -> str:
    return _flag("NOT r.is_estimate AND r.photo = ''")


def history_of(reading_day: ReadingDay, period: str) -> tuple[str, list]:
    """Per reading of the day: its id, last period's stan and the 3-month average kWh.

    Correlated subqueries on the (customer, period) index: the work grows with the day's
    readings, not with the table.
    """
    table = Reading._meta.db_table
    earlier = [previous_period(period, n) for n in (1, 2, 3)]
    sql = (
        "SELECT d.id,"  # noqa: S608
        f" (SELECT e.register_kwh FROM {table} e"
        "  WHERE e.customer_id = d.customer_id AND e.period = %s) AS prev,"
        f" (SELECT AVG(e.consumption_kwh) FROM {table} e"
        "  WHERE e.customer_id = d.customer_id AND e.period IN (%s, %s, %s)) AS avg"
        f" FROM {table} d WHERE d.reading_day_id = %s AND d.period = %s AND d.state <> %s"
    )
    if connection.vendor == "postgresql":
        # Keeps PostgreSQL from inlining the subqueries into every rule that reads h.prev.
        sql += " OFFSET 0"
    params = [earlier[0], *earlier, reading_day.pk, period, ReadingState.APPROVED]
    return sql, params


def validate_readings(*, reading_day: ReadingDay, period: str, only: QuerySet | None = None) -> int:
    """Recompute consumption, jam nyala and every flag of a reading day's readings (set-based).

    Approved readings are left as they are: nothing about them may change after approval.
    """
    settings = ReadingSettings.for_unit(reading_day.unit)
    zone = reading_day.unit.settings_or_default().time_zone
    start, end = reading_day.window(period, settings.window_days, zone)
    kwh = consumption(settings.register_digits)
    hours = hours_on(kwh)
    history_sql, history_params = history_of(reading_day, period)
    table = Reading._meta.db_table
    # Names come from the model and the rules' SQL from this module; values are parameters.
    sql = (
        f"UPDATE {table} AS r SET previous_kwh = h.prev, average_kwh = h.avg,"  # noqa: S608
        f" consumption_kwh = {kwh}, hours_on = {hours},"
        f" flag_negative = {is_negative(kwh)}, flag_zero = {is_zero(kwh)},"
        f" flag_disconnected = {is_disconnected(kwh)},"
        f" flag_above_average = {is_above_average(kwh, settings.average_factor)},"
        f" flag_hours_on = {is_hours_on_excessive(hours)},"
        f" flag_outside_window = {is_outside_window()}, flag_no_photo = {is_missing_photo()}"
        f" FROM ({history_sql}) h"
        " WHERE r.id = h.id AND r.reading_day_id = %s AND r.period = %s"
    )
    params = [  # in the order of their placeholders
        connection.ops.adapt_datetimefield_value(start),
        connection.ops.adapt_datetimefield_value(end),
        *history_params,
        reading_day.pk,
        period,
    ]
    if only is not None:
        only_sql, only_params = only.order_by().values("pk").query.sql_with_params()
        sql += f" AND r.id IN ({only_sql})"
        params += list(only_params)
    with transaction.atomic(), connection.cursor() as cursor:
        without_jit(cursor)
        cursor.execute(sql, params)
        return cursor.rowcount
