"""Benchmark of the monthly reading audit (seed 004 §I) on PostgreSQL.

Run:  .venv/bin/python bench/bench_fieldwork.py [--readings 1000000] [--baseline-readings 20000]

In a fresh database (dropped and created here, migrated) it builds ULP "A" with ``--readings``
readings of one period over 200 routes read by 20 readers, and ULP "B" with
``--baseline-readings`` more. Then, one after the other in this process:

- baseline on B: the obvious implementation: per route and reader, the readings loaded as
  ORM objects, a random sample taken, each sample row saved on its own, and the scorecards
  counted in Python over the saved rows;
- the real path on A: ``services.draw_audit_sample`` (one read of the population's ids,
  seeded per stratum, samples bulk-inserted with their schedule check) and
  ``queries.scorecards`` + ``queries.trend`` (a GROUP BY each).

Both are reported as readings/s and their ratio. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter, defaultdict

from benchdb import throwaway_database

PERIOD = "202602"
ROUTES = 200
READERS = 20


def build_unit(region, code: str, count: int):
    """A ULP with one reading day, ROUTES routes and ``count`` customers each with a reading."""
    from django.db import connection

    from meterops.core.models import Unit
    from meterops.customers.models import Customer, Route
    from meterops.reading.models import Reading, ReadingDay, RouteSchedule

    unit = Unit.objects.create(code=code, name=f"ULP {code}", level="service_point", parent=region)
    day = ReadingDay.objects.create(unit=unit, code="A", day_of_month=15)
    routes = Route.objects.bulk_create(
        [Route(unit=unit, code=f"RBM{code}{n:03d}") for n in range(ROUTES)]
    )
    RouteSchedule.objects.bulk_create([RouteSchedule(route=r, reading_day=day) for r in routes])
    first_route = routes[0].pk
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Customer._meta.db_table} (customer_id, unit_id, name, address, tariff,"  # noqa: S608
            " power_va, payment_mode, route_id, route_sequence, created_at, updated_at)"
            " SELECT %s || lpad(n::text, 7, '0'), %s, 'PELANGGAN ' || n, '', 'R1', 1300,"
            " 'postpaid', %s + n %% %s, n, now(), now() FROM generate_series(1, %s) AS n",
            [code, unit.pk, first_route, ROUTES, count],
        )
        # Read on the 13th to the 17th (WIB): within ±1 day of the 15th for three in five.
        cursor.execute(
            f"INSERT INTO {Reading._meta.db_table} (customer_id, unit_id, reading_day_id,"  # noqa: S608
            " period, register_kwh, read_at, reader, photo, power_va, is_estimate,"
            " flag_negative, flag_zero, flag_above_average, flag_hours_on,"
            " flag_outside_window, flag_no_photo, state, reread_reason, created_at, updated_at)"
            " SELECT c.id, c.unit_id, %s, %s, 1000 + c.id %% 500,"
            " timestamptz '2026-02-13 02:00:00+00' + (c.id %% 5) * interval '1 day',"
            " 'PETUGAS ' || ((c.id / 3) %% %s), 'f.jpg', 1300, false, false, false, false, false,"
            " false, false, 'read', '', now(), now()"
            f" FROM {Customer._meta.db_table} c WHERE c.unit_id = %s",
            [day.pk, PERIOD, READERS, unit.pk],
        )
        cursor.execute(f"ANALYZE {Customer._meta.db_table}, {Reading._meta.db_table}")
    return unit


def naive_audit(unit, actor, seed: int) -> dict:
    """The baseline: ORM objects per stratum, one INSERT per sample, counts in Python."""
    from meterops.fieldwork.models import AuditMonth, AuditSample
    from meterops.fieldwork.services import is_on_schedule, schedule_deviation
    from meterops.reading.models import Reading

    settings = unit.settings_or_default()
    audit = AuditMonth.objects.create(
        unit=unit,
        period=PERIOD,
        seed=seed,
        sample_percent=settings.audit_sample_percent,
        sample_minimum=settings.audit_sample_minimum,
        schedule_tolerance_days=settings.audit_schedule_tolerance_days,
        accuracy_tolerance_kwh=settings.audit_accuracy_tolerance_kwh,
        drawn_by=actor,
    )
    strata = defaultdict(list)
    for reading in Reading.objects.filter(unit=unit, period=PERIOD).select_related(
        "customer", "reading_day"
    ):
        strata[(reading.customer.route_id, reading.reader)].append(reading)
    rng = random.Random(seed)
    for readings in strata.values():
        size = max(1, -(-len(readings) * 5 // 100))
        for reading in rng.sample(readings, size):
            scheduled = reading.reading_day.scheduled_date(PERIOD)
            deviation = schedule_deviation(
                read_at=reading.read_at, scheduled_on=scheduled, zone=settings.time_zone
            )
            AuditSample.objects.create(
                audit=audit,
                reading=reading,
                customer=reading.customer,
                route_id=reading.customer.route_id,
                reader=reading.reader,
                register_kwh=reading.register_kwh,
                read_at=reading.read_at,
                scheduled_on=scheduled,
                deviation_days=deviation,
                on_schedule=is_on_schedule(deviation_days=deviation, tolerance_days=1),
            )
    cards = {"reader": Counter(), "route": Counter()}
    for sample in AuditSample.objects.filter(audit=audit):
        cards["reader"][sample.reader] += 1
        cards["route"][sample.route_id] += 1
    return cards


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--readings", type=int, default=1_000_000)
    parser.add_argument("--baseline-readings", type=int, default=20_000)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/meterops_bench_fieldwork"
    )
    args = parser.parse_args()
    with throwaway_database(args.database_url):
        from meterops.core.choices import RoleCode
        from meterops.core.models import Role, Unit, User
        from meterops.fieldwork import queries, services

        region = Unit.objects.create(code="90000", name="UID BENCH", level="region")
        started = time.perf_counter()
        unit_a = build_unit(region, "90001", args.readings)
        unit_b = build_unit(region, "90002", args.baseline_readings)
        print(
            f"built {args.readings + args.baseline_readings:,} readings in "
            f"{time.perf_counter() - started:.1f} s"
        )
        actor = User.objects.create(username="bench", unit=region)
        actor.roles.set(Role.objects.filter(code=RoleCode.SUPERVISOR))

        started = time.perf_counter()
        naive_audit(unit_b, actor, seed=1)
        baseline = time.perf_counter() - started
        baseline_rate = args.baseline_readings / baseline
        print(
            f"baseline (ORM per stratum, INSERT per sample): {args.baseline_readings:,} "
            f"readings in {baseline:.2f} s = {baseline_rate:,.0f} readings/s"
        )

        started = time.perf_counter()
        audit = services.draw_audit_sample(actor=actor, unit=unit_a, period=PERIOD, seed=1)
        drawn = time.perf_counter() - started
        started = time.perf_counter()
        cards = queries.scorecards(actor, PERIOD, unit_a.pk)
        points = queries.trend(actor, PERIOD, unit_a.pk)
        scored = time.perf_counter() - started
        total = drawn + scored
        rate = args.readings / total
        print(
            f"draw_audit_sample: {audit.samples.count():,} samples of {audit.population:,} "
            f"readings in {drawn:.2f} s"
        )
        print(
            f"scorecards + 6-month trend: {len(cards['route'])} routes, "
            f"{len(cards['reader'])} readers, {len(points)} months in {scored:.2f} s"
        )
        print(
            f"real path: {args.readings:,} readings in {total:.2f} s = {rate:,.0f} readings/s"
            f"; ratio {rate / baseline_rate:.1f}x the baseline"
        )


if __name__ == "__main__":
    main()
