"""Validation of readings (issue 7 step 3, seed 004 "Perekaman data kWh meter").

Each rule is one function returning a SQL expression over the columns of a reading (``r``)
and its customer's history (``h.prev``: last period's stan, ``h.avg``: the 3-month average
consumption). ``validate_readings`` composes them into ONE ``UPDATE ... FROM`` per reading
day, so a million readings are checked set-based, and one reading (from the field app) by
the very same statement; before it, ``attach_recorded_swaps`` gives the few readings of
customers whose meter HOME or Peremajaan swapped in the period that swap (issue #23).
Runs on PostgreSQL and SQLite (3.33+).
"""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Min, QuerySet

from meterops.core.models import unit_time_zone
from meterops.core.transitions import without_jit
from meterops.customers.meter_swaps import recorded_swaps_sql
from meterops.customers.models import Meter

from .choices import MAX_HOURS_ON, ReadingState
from .models import Reading, ReadingDay, ReadingSettings, previous_period


def swap_stands() -> tuple[str, str]:
    """The old meter's final and the new meter's initial stan of a swap in the period: the swap
    HOME or Peremajaan recorded (attach_recorded_swaps) where there is one, else the upload's
    STAN_AKHIR_METER_LAMA / STAN_AWAL_METER_BARU (issue #23). Both or neither are recorded."""
    return (
        "COALESCE(r.recorded_old_final_kwh, r.old_meter_final_kwh)",
        "COALESCE(r.recorded_new_initial_kwh, r.new_meter_initial_kwh)",
    )


# The meter's faktor kali (FKM) from the history row (history_of), and the old meter's across a
# recorded swap (attach_recorded_swaps), else the same: the CTs stay with the installation.
MULTIPLIER = "COALESCE(h.mult, 1)"
OLD_MULTIPLIER = f"COALESCE(r.recorded_old_multiplier, {MULTIPLIER})"


def consumption(register_digits: int) -> str:
    """(Stan − stan lalu) × FKM; across a meter replaced in the period, or a register rolled
    over.

    A register near its top (last 10 %) now near zero (first 10 %) went round once; so did the
    old meter's before it was taken out, when its final stan is near zero (issue #23). Across a
    swap: (stan akhir meter lama − stan lalu) × FKM lama + (stan − stan awal meter baru) × FKM.
    """
    top = 10**register_digits

    def went_round(stan: str) -> str:
        return f"h.prev >= {top * 9 // 10} AND {stan} < {top // 10}"

    old_final, new_initial = swap_stands()
    return (
        "(CASE WHEN h.prev IS NULL THEN NULL"
        f" WHEN {old_final} IS NOT NULL AND {new_initial} IS NOT NULL"
        f" THEN ((CASE WHEN {went_round(old_final)} THEN {old_final} + {top} ELSE {old_final} END)"
        f" - h.prev) * {OLD_MULTIPLIER} + (r.register_kwh - {new_initial}) * {MULTIPLIER}"
        f" WHEN {went_round('r.register_kwh')}"
        f" THEN (r.register_kwh + {top} - h.prev) * {MULTIPLIER}"
        f" ELSE (r.register_kwh - h.prev) * {MULTIPLIER} END)"
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


def is_swap_mismatch() -> str:
    """The upload's swap stands disagree with the swap HOME or Peremajaan recorded, or more than
    one swap was recorded in the period: held for the verifier, no value silently wins
    (issue #23). Agreeing or absent upload stands leave the recorded swap to count silently."""
    differs = (
        "(r.old_meter_final_kwh IS NOT NULL AND r.old_meter_final_kwh <> r.recorded_old_final_kwh)"
        " OR (r.new_meter_initial_kwh IS NOT NULL"
        " AND r.new_meter_initial_kwh <> r.recorded_new_initial_kwh)"
    )
    return _flag(f"r.recorded_swaps > 1 OR (r.recorded_swaps = 1 AND ({differs}))")


# How far before the previous reading day's schedule a recorded swap is looked for at all
# (the exact bounds are each reading's own, see attach_recorded_swaps), unless one of the day's
# previous readings was read earlier still.
SWAP_SEARCH_DAYS = 31


def attach_recorded_swaps(
    *, reading_day: ReadingDay, period: str, zone: str, only: tuple[str, list] | None = None
) -> None:
    """Give each reading of the day the meter swap recorded in the period it covers (issue #23;
    seed 000 Data APP Ganti and Peremajaan Kumulatif, seed 004 Perekaman data kWh meter).

    The period a reading covers runs from the customer's previous reading to this one: a swap
    belongs to it when its date (the unit's local day) is after the previous period's reading
    day and not after this reading's day. A swap on the reading's own day counts as before
    it (the reader found the new meter), one on the previous reading's day as before that one.
    Without a previous reading time (none, or an estimate) the period starts after the previous
    period's scheduled reading day; a reading without a time (an estimate) takes no swap.
    Several swaps in the period: the latest is kept, their count holds the reading back.

    One UPDATE over the readings of customers with a swap recorded since the period began (or
    holding one from before, to let a corrected record go); each reads the swaps by its
    customer. No upper bound: a reading taken weeks late still finds the swap before it.
    """
    swaps = recorded_swaps_sql()
    if swaps is None:
        return
    table = Reading._meta.db_table
    ops = connection.ops
    last_scheduled = reading_day.scheduled_date(previous_period(period))
    read_on, read_params = ops.datetime_cast_date_sql("r.read_at", (), zone)
    previous_read_on, previous_params = ops.datetime_cast_date_sql(
        f"(SELECT e.read_at FROM {table} e"  # noqa: S608
        " WHERE e.customer_id = r.customer_id AND e.period = %s)",
        (previous_period(period),),
        zone,
    )
    match = (
        f"s.customer_id = r.customer_id AND s.replaced_on <= {read_on}"
        f" AND s.replaced_on > COALESCE({previous_read_on}, %s)"
    )
    match_params = [*read_params, *previous_params, ops.adapt_datefield_value(last_scheduled)]

    def latest(column: str) -> str:
        return (
            f"(SELECT s.{column} FROM ({swaps}) s WHERE {match}"  # noqa: S608
            " ORDER BY s.replaced_on DESC, s.reference_id DESC LIMIT 1)"
        )

    sql = (
        f"UPDATE {table} AS r SET"  # noqa: S608
        f" recorded_old_final_kwh = {latest('old_final_kwh')},"
        f" recorded_new_initial_kwh = {latest('new_initial_kwh')},"
        f" recorded_swap_on = {latest('replaced_on')},"
        f" recorded_old_multiplier = {latest('old_multiplier')},"
        f" swap_source = COALESCE({latest('source')}, ''),"
        f" swap_reference = {latest('reference_id')},"
        f" recorded_swaps = (SELECT COUNT(*) FROM ({swaps}) s WHERE {match})"
        " WHERE r.reading_day_id = %s AND r.period = %s AND r.state <> %s"
        " AND (r.swap_source <> '' OR r.customer_id IN"
        f" (SELECT s.customer_id FROM ({swaps}) s WHERE s.unit_id = %s AND s.replaced_on > %s))"
    )
    params = [
        *match_params * 7,
        reading_day.pk,
        period,
        ReadingState.APPROVED,
        reading_day.unit_id,
        ops.adapt_datefield_value(_swap_search_start(reading_day, period, zone)),
    ]
    if only is not None:
        sql += f" AND r.id IN ({only[0]})"
        params += only[1]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _swap_search_start(reading_day: ReadingDay, period: str, zone: str) -> date:
    """The day after which a swap may belong to a reading of the day: SWAP_SEARCH_DAYS before
    the previous period's schedule, or the earliest previous reading's day if read before it."""
    start = reading_day.scheduled_date(previous_period(period)) - timedelta(days=SWAP_SEARCH_DAYS)
    earliest = Reading.objects.filter(
        reading_day=reading_day, period=previous_period(period)
    ).aggregate(earliest=Min("read_at"))["earliest"]
    if earliest is not None:
        start = min(start, earliest.astimezone(ZoneInfo(zone)).date() - timedelta(days=1))
    return start


def history_of(
    reading_day: ReadingDay, period: str, only: tuple[str, list] | None = None
) -> tuple[str, list]:
    """Per reading of the day (or of ``only``, a SELECT of reading ids and its parameters): its
    id, last period's stan, the 3-month average kWh and the current meter's FKM.

    Correlated subqueries on the (customer, period) index: the work grows with the readings
    chosen, not with the table.
    """
    table = Reading._meta.db_table
    earlier = [previous_period(period, n) for n in (1, 2, 3)]
    sql = (
        "SELECT d.id,"  # noqa: S608
        f" (SELECT e.register_kwh FROM {table} e"
        "  WHERE e.customer_id = d.customer_id AND e.period = %s) AS prev,"
        f" (SELECT AVG(e.consumption_kwh) FROM {table} e"
        "  WHERE e.customer_id = d.customer_id AND e.period IN (%s, %s, %s)) AS avg,"
        f" (SELECT m.multiplier FROM {Meter._meta.db_table} m"
        "  WHERE m.customer_id = d.customer_id AND m.removed_at IS NULL) AS mult"
        f" FROM {table} d WHERE d.reading_day_id = %s AND d.period = %s AND d.state <> %s"
    )
    params = [earlier[0], *earlier, reading_day.pk, period, ReadingState.APPROVED]
    if only is not None:
        sql += f" AND d.id IN ({only[0]})"
        params += only[1]
    if connection.vendor == "postgresql":
        # Keeps PostgreSQL from inlining the subqueries into every rule that reads h.prev.
        sql += " OFFSET 0"
    return sql, params


def validate_readings(*, reading_day: ReadingDay, period: str, only: QuerySet | None = None) -> int:
    """Recompute consumption, jam nyala and every flag of a reading day's readings (set-based).

    Approved readings are left as they are: nothing about them may change after approval.
    """
    settings = ReadingSettings.for_unit(reading_day.unit)
    zone = unit_time_zone(reading_day.unit_id)
    start, end = reading_day.window(period, settings.window_days, zone)
    kwh = consumption(settings.register_digits)
    hours = hours_on(kwh)
    chosen = None
    if only is not None:
        only_sql, only_params = only.order_by().values("pk").query.sql_with_params()
        chosen = (only_sql, list(only_params))
    # The chosen readings restrict the history itself: as ``r.id IN (…)`` beside a history of
    # the whole day, PostgreSQL took 90 s for 50 readings of a day of 236,225 (5 s for all).
    history_sql, history_params = history_of(reading_day, period, chosen)
    table = Reading._meta.db_table
    # Names come from the model and the rules' SQL from this module; values are parameters.
    sql = (
        f"UPDATE {table} AS r SET previous_kwh = h.prev, average_kwh = h.avg,"  # noqa: S608
        f" multiplier = {MULTIPLIER},"
        f" consumption_kwh = {kwh}, hours_on = {hours},"
        f" flag_negative = {is_negative(kwh)}, flag_zero = {is_zero(kwh)},"
        f" flag_disconnected = {is_disconnected(kwh)},"
        f" flag_above_average = {is_above_average(kwh, settings.average_factor)},"
        f" flag_hours_on = {is_hours_on_excessive(hours)},"
        f" flag_outside_window = {is_outside_window()}, flag_no_photo = {is_missing_photo()},"
        f" flag_swap_mismatch = {is_swap_mismatch()}"
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
    with transaction.atomic(), connection.cursor() as cursor:
        # Before both statements: compiling the swaps' UPDATE (its planner cost ~600,000 for
        # a 20,000-reading day, over jit_above_cost) took 2 s of a day's 2.2 s.
        without_jit(cursor)
        attach_recorded_swaps(reading_day=reading_day, period=period, zone=zone, only=chosen)
        cursor.execute(sql, params)
        return cursor.rowcount


def revalidate_customers(customer_ids: list[int]) -> None:
    """Validate again the readings not approved yet of customers whose meter swap was just
    recorded (issue #23): one validation per reading day and BLTH they fall on."""
    readings = Reading.objects.filter(customer_id__in=customer_ids).exclude(
        state=ReadingState.APPROVED
    )
    groups = readings.values_list("reading_day", "period").distinct().order_by()
    days = ReadingDay.objects.select_related("unit").in_bulk({day for day, _period in groups})
    for day, period in groups:
        validate_readings(
            reading_day=days[day],
            period=period,
            only=readings.filter(reading_day=day, period=period),
        )
