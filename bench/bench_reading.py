"""Benchmark of Pengesahan (approval) and validation of readings, on PostgreSQL.

Run:  .venv/bin/python bench/bench_reading.py [--readings 200000] [--baseline-readings 5000]
                                              [--validate-readings 1000000]

In a fresh database (dropped and created here, migrated) it builds one ULP whose reading day
"A" holds ``--readings`` customers with a reading each, sent and waiting for approval (1 % of
them with jam nyala above 2000), and a reading day "B" with ``--baseline-readings`` more.
Then, one after the other in this process:

- baseline: day B approved row by row through the ORM, as the obvious implementation
  would: each reading locked, its FSM transition, ``save()`` (which writes its history row)
  and ``record_event`` for the customer's timeline;
- the real path: ``services.approve_reading_day`` on day A (one data-modifying statement:
  the UPDATE, and the history rows inserted from its RETURNING).

Both are reported as readings/s and their ratio. The requirement: 200 000 readings in
under 3 s, and 50× the row-by-row rate. With ``--validate-readings N`` (0 to skip) it then
builds N more customers over 50 reading days, each with readings for the three periods
before, and times ``validation.validate_readings`` for the whole period (target: 1 000 000
in under 30 s). The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import time

from benchdb import throwaway_database

PERIOD = "202602"
APPROVE_TARGET_SECONDS = 3
RATIO_TARGET = 50
VALIDATE_TARGET_SECONDS = 30


def build_day(unit, code: str, first: int, count: int, *, periods=(PERIOD,), state="sent"):
    """A reading day with one route of ``count`` customers and their readings, set-based."""
    from django.db import connection

    from meterops.customers.models import Customer, Route
    from meterops.reading.models import Reading, ReadingDay, RouteSchedule

    day = ReadingDay.objects.create(unit=unit, code=code, day_of_month=15)
    route = Route.objects.create(unit=unit, code=f"RBM-{code}")
    RouteSchedule.objects.create(route=route, reading_day=day)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Customer._meta.db_table} (customer_id, unit_id, name, address, tariff,"  # noqa: S608
            " power_va, payment_mode, route_id, route_sequence, created_at, updated_at)"
            " SELECT %s || lpad(n::text, 7, '0'), %s, 'PELANGGAN ' || n, '', 'R1',"
            " CASE WHEN n %% 100 = 0 THEN 450 ELSE 1300 END, 'postpaid', %s, n, now(), now()"
            " FROM generate_series(%s, %s) AS n",
            [unit.code, unit.pk, route.pk, first, first + count - 1],
        )
        for months_back, period in enumerate(periods):
            # jam nyala above 2000 for every 100th customer (450 VA): 2222 h, flagged as
            # validation flags it (the flag is what holds a reading back).
            cursor.execute(
                f"INSERT INTO {Reading._meta.db_table} (customer_id, unit_id, reading_day_id,"  # noqa: S608
                " period, register_kwh, read_at, reader, photo, power_va, is_estimate,"
                " consumption_kwh, hours_on, flag_negative, flag_zero, flag_above_average,"
                " flag_hours_on, flag_outside_window, flag_no_photo, state, reread_reason,"
                " created_at, updated_at)"
                " SELECT c.id, c.unit_id, %s, %s, 10000 - %s * 150 + (c.id %% 50),"
                " now(), 'BENCH', 'f.jpg', c.power_va, false, 150,"
                " CASE WHEN c.power_va = 450 THEN 2222 ELSE 115 END,"
                " false, false, false, c.power_va = 450, false, false, %s, '', now(), now()"
                f" FROM {Customer._meta.db_table} c WHERE c.route_id = %s",
                [day.pk, period, months_back, state, route.pk],
            )
        cursor.execute(f"ANALYZE {Customer._meta.db_table}, {Reading._meta.db_table}")
    return day


def approve_row_by_row(day, actor) -> int:
    """The baseline: the same approval, one reading at a time through the ORM."""
    from django.db import transaction

    from meterops.core.choices import Domain
    from meterops.core.services import record_event
    from meterops.reading.choices import ReadingState
    from meterops.reading.models import Approval, BillingPosting, Reading

    with transaction.atomic():
        approval = Approval.objects.create(reading_day=day, period=PERIOD, approved_by=actor)
        posting = BillingPosting.objects.create(approval=approval, unit=day.unit, number="BASE")
        approved = 0
        ids = Reading.objects.filter(reading_day=day, period=PERIOD, state=ReadingState.SENT)
        for pk in ids.values_list("pk", flat=True):
            reading = Reading.objects.select_for_update().select_related("customer").get(pk=pk)
            if reading.is_blocked:
                continue
            reading.approve(posting=posting)
            reading._history_user = actor
            reading.save()
            record_event(
                customer=reading.customer,
                domain=Domain.READING,
                verb="reading.approved",
                from_state=ReadingState.SENT,
                to_state=reading.state,
                actor=actor,
                note=posting.number,
            )
            approved += 1
    return approved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=200_000)
    parser.add_argument("--baseline-readings", type=int, default=5_000)
    parser.add_argument("--validate-readings", type=int, default=1_000_000)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/meterops_bench_reading"
    )
    args = parser.parse_args()

    with throwaway_database(args.database_url):
        from meterops.core.choices import RoleCode, UnitLevel
        from meterops.core.models import Role, Unit, User

        region = Unit.objects.create(code="90000", name="UID BENCH", level=UnitLevel.REGION)
        area = Unit.objects.create(code="91000", name="UP3", level=UnitLevel.AREA, parent=region)
        unit = Unit.objects.create(code="91001", name="ULP BENCH", parent=area)
        actor = User.objects.create(username="spvte", unit=unit)
        actor.roles.set(Role.objects.filter(code=RoleCode.READING_APPROVER))

        started = time.perf_counter()
        day_a = build_day(unit, "A", 1, args.readings)
        day_b = build_day(unit, "B", args.readings + 1, args.baseline_readings)
        print(
            f"setup: {args.readings + args.baseline_readings:,} sent readings "
            f"in {time.perf_counter() - started:.1f} s"
        )

        started = time.perf_counter()
        baseline_count = approve_row_by_row(day_b, actor)
        baseline = time.perf_counter() - started
        baseline_rate = baseline_count / baseline
        print(
            f"row by row (ORM): {baseline_count:>9,} approved {baseline:8.2f} s "
            f"{baseline_rate:>10,.0f} readings/s"
        )

        from meterops.reading.services import approve_reading_day

        started = time.perf_counter()
        result = approve_reading_day(actor=actor, reading_day=day_a, period=PERIOD)
        seconds = time.perf_counter() - started
        count = result.approval.approved_count
        rate = count / seconds
        print(
            f"approve_reading_day: {count:>9,} approved {seconds:8.2f} s {rate:>10,.0f} "
            f"readings/s ({result.approval.blocked_count:,} held back by jam nyala)"
        )
        ratio = rate / baseline_rate
        print(
            f"ratio set-based / row by row: {ratio:.0f}x "
            f"({'at least' if ratio >= RATIO_TARGET else 'NOT'} {RATIO_TARGET}x)"
        )
        verdict = "under" if seconds < APPROVE_TARGET_SECONDS else "NOT under"
        print(
            f"{args.readings:,} readings approved in {seconds:.2f} s, "
            f"{verdict} {APPROVE_TARGET_SECONDS} s"
        )
        if args.validate_readings:
            validate(unit, args.readings + args.baseline_readings + 1, args.validate_readings)


def validate(unit, first: int, total: int) -> None:
    from meterops.reading.models import previous_period
    from meterops.reading.validation import validate_readings

    periods = [PERIOD] + [previous_period(PERIOD, n) for n in (1, 2, 3)]
    per_day = total // 50
    started = time.perf_counter()
    days = [
        build_day(unit, f"V{n:02d}", first + n * per_day, per_day, periods=periods, state="read")
        for n in range(50)
    ]
    print(
        f"setup: {per_day * 50:,} readings of {PERIOD} and 3 periods before "
        f"in {time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    count = sum(validate_readings(reading_day=day, period=PERIOD) for day in days)
    seconds = time.perf_counter() - started
    verdict = "under" if seconds < VALIDATE_TARGET_SECONDS else "NOT under"
    print(
        f"validate_readings: {count:,} readings in {seconds:.1f} s "
        f"({count / seconds:,.0f}/s), {verdict} {VALIDATE_TARGET_SECONDS} s"
    )


if __name__ == "__main__":
    main()
