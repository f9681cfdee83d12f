"""Demo data of the reading domain: reading days per ULP, and two months of readings.

Readings are written set-based (one INSERT ... SELECT per reading day and period) and then
moved through the real services (validation, verification, sending, Pengesahan), so the demo
shows every state with its history: the older month verified and sent everywhere (approved
where the ULP has an SPV TE login), the last month spread over the states by reading day.
"""

import contextlib
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from meterops.core.choices import RoleCode
from meterops.core.models import User, unit_time_zone
from meterops.customers.choices import PaymentMode
from meterops.customers.models import Customer, Route

from .choices import ReadingState
from .errors import NothingToDo, ReadingDayIncomplete
from .models import AnomalyCode, Reading, ReadingDay, RouteSchedule, previous_period
from .validation import validate_readings

DEMO_DAYS = (("A", 5), ("B", 10), ("C", 15), ("D", 20), ("E", 25))
# How far each reading day of the last month got: A approved (where an SPV TE can), B sent
# (belum disahkan), C verified by the pengawas, D verified by the vendor with re-reads
# requested for zero use, E just read, one customer in ten not yet.
LAST_MONTH_STEPS = {"A": 4, "B": 3, "C": 2, "D": 1, "E": 0}
# Whole reading days are given readings until this many customers are covered, so a demo of
# a million customers (seed_demo --customers) stays within its time budget.
MAX_DEMO_READING_CUSTOMERS = 60_000


@transaction.atomic
def schedule_demo_routes() -> tuple[int, int]:
    """Create the missing demo reading days and schedule every unscheduled route, set-based."""
    unit_ids = set(Route.objects.values_list("unit_id", flat=True))
    existing = set(ReadingDay.objects.values_list("unit_id", "code"))
    new_days = [
        ReadingDay(unit_id=unit_id, code=code, day_of_month=day, name=f"Hari baca {code}")
        for unit_id in sorted(unit_ids)
        for code, day in DEMO_DAYS
        if (unit_id, code) not in existing
    ]
    ReadingDay.objects.bulk_create(new_days)
    days = {(d.unit_id, d.code): d.pk for d in ReadingDay.objects.filter(unit_id__in=unit_ids)}
    unscheduled = Route.objects.filter(schedule__isnull=True).order_by("unit_id", "code")
    schedules = [
        RouteSchedule(route_id=pk, reading_day_id=days[(unit_id, DEMO_DAYS[n % len(DEMO_DAYS)][0])])
        for n, (pk, unit_id) in enumerate(unscheduled.values_list("pk", "unit_id"))
    ]
    RouteSchedule.objects.bulk_create(schedules, batch_size=2000)
    return len(new_days), len(schedules)


def demo_periods(today=None) -> tuple[str, str]:
    """The two months before the current one (BLTH), oldest first."""
    today = today or timezone.localdate()
    current = f"{today.year:04d}{today.month:02d}"
    return previous_period(current, 2), previous_period(current, 1)


@transaction.atomic
def generate_demo_readings(*, today=None) -> int:
    """Two months of readings for every scheduled postpaid customer; none if they exist."""
    older, last = demo_periods(today)
    if Reading.objects.filter(period__in=(older, last)).exists():
        return 0
    days = _days_to_cover(MAX_DEMO_READING_CUSTOMERS)
    admin = User.objects.filter(roles__code=RoleCode.ADMIN, is_active=True).first()
    anomaly_id = AnomalyCode.objects.filter(is_active=True).values_list("pk", flat=True).first()
    written = 0
    for day in days:
        written += _insert(day, older, months_ago=2, anomaly_id=None)
        written += _insert(day, last, months_ago=1, anomaly_id=anomaly_id)
        validate_readings(reading_day=day, period=older)
        validate_readings(reading_day=day, period=last)
    if admin is not None:
        for day in days:
            _advance(day, older, 4, admin)
            _advance(day, last, LAST_MONTH_STEPS.get(day.code, 0), admin)
    return written


def _days_to_cover(limit: int) -> list[ReadingDay]:
    """Reading days with postpaid customers, in ULP and code order, whole days up to ``limit``
    customers in all (one aggregate query)."""
    days = (
        ReadingDay.objects.filter(schedules__route__customers__payment_mode=PaymentMode.POSTPAID)
        .annotate(customer_count=Count("schedules__route__customers"))
        .select_related("unit")
        .order_by("unit__code", "code")
    )
    chosen, covered = [], 0
    for day in days:
        if covered + day.customer_count > limit and chosen:
            break
        chosen.append(day)
        covered += day.customer_count
    return chosen


def _read_at(day: ReadingDay, period: str) -> tuple[datetime, datetime]:
    """09:00 local on the scheduled day, and a time five days late (outside the window)."""
    zone = ZoneInfo(unit_time_zone(day.unit_id))
    at = datetime.combine(day.scheduled_date(period), time(9), tzinfo=zone)
    return at, at + timedelta(days=5)


def _insert(day: ReadingDay, period: str, *, months_ago: int, anomaly_id) -> int:
    """One INSERT ... SELECT of the day's customers' readings; stan grows with power.

    Monthly use is 80-279 h of the contracted kVA; in the last month every 97th customer
    used nothing, every 89th ran 2 500 h (blocked at Pengesahan), every 53rd has no photo,
    every 47th was read late, every 41st carries an LBKB code, and on day E every 10th
    customer is not read yet.
    """
    on_time, late = _read_at(day, period)
    adapt = connection.ops.adapt_datetimefield_value
    last = months_ago == 1
    use = "(c.power_va * (80 + c.id %% 200) / 1000)"
    odd = "c.id %% 97 = 0" if last else "1 = 0"
    spike = "c.id %% 89 = 0" if last else "1 = 0"
    register = (
        f"(1000 + (c.id * 37) %% 5000 + {use} * {3 - months_ago}"
        f" + CASE WHEN {odd} THEN -{use} WHEN {spike} THEN c.power_va * 5 / 2 ELSE 0 END)"
    )
    skip = "c.id %% 10 <> 0" if last and day.code == "E" else "1 = 1"
    lbkb = "CASE WHEN c.id %% 41 = 0 THEN %s END" if anomaly_id and last else "NULL"
    customers = day.customers(period)
    ids_sql, ids_params = customers.values("pk").query.sql_with_params()
    sql = (
        f"INSERT INTO {Reading._meta.db_table} (customer_id, unit_id, reading_day_id, period,"  # noqa: S608
        " register_kwh, read_at, reader, anomaly_id, photo, power_va, is_estimate,"
        " flag_negative, flag_zero, flag_above_average, flag_hours_on, flag_outside_window,"
        " flag_no_photo, state, reread_reason, created_at, updated_at)"
        f" SELECT c.id, c.unit_id, %s, %s, {register},"
        " CASE WHEN c.id %% 47 = 0 AND %s THEN %s ELSE %s END, 'PETUGAS DEMO',"
        f" {lbkb},"
        " CASE WHEN c.id %% 53 = 0 AND %s THEN '' ELSE 'readings/demo/stan.jpg' END,"
        " c.power_va, %s, %s, %s, %s, %s, %s, %s, %s, '', %s, %s"
        f" FROM {Customer._meta.db_table} c WHERE c.id IN ({ids_sql}) AND {skip}"
    )
    now = timezone.now()
    params = [
        day.pk,
        period,
        last,
        adapt(late),
        adapt(on_time),
        *([anomaly_id] if anomaly_id and last else []),
        last,
        *[False] * 7,
        ReadingState.READ,
        now,
        now,
        *ids_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _advance(day: ReadingDay, period: str, steps: int, admin: User) -> None:
    """Take a day's readings ``steps`` of: vendor, pengawas, kirim, Pengesahan."""
    from . import services

    readings = Reading.objects.filter(reading_day=day, period=period)
    if steps == 1:
        services.request_rereads(
            actor=admin,
            readings=readings.filter(flag_zero=True),
            reason="Pemakaian nol, mohon dibaca ulang",
        )
    if steps >= 1:
        services.verify_readings_as_vendor(
            actor=admin, readings=readings.filter(state=ReadingState.READ)
        )
    if steps >= 2:
        services.verify_readings_as_supervisor(actor=admin, readings=readings)
    if steps >= 3:
        try:
            services.send_reading_day(actor=admin, reading_day=day, period=period)
        except NothingToDo:
            return
    approver = User.objects.filter(
        roles__code=RoleCode.READING_APPROVER, unit=day.unit, is_active=True
    ).first()
    if steps >= 4 and approver is not None:
        with contextlib.suppress(NothingToDo, ReadingDayIncomplete):
            services.approve_reading_day(actor=approver, reading_day=day, period=period)


def build_demo(*, units, seed: int, options: dict) -> str:
    """seed_demo's reading days for every RBM and two periods of readings."""
    days, routes = schedule_demo_routes()
    readings = generate_demo_readings()
    return f"{days} hari baca ({routes} RBM), {readings} stan meter"
