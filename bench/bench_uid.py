"""Benchmark of a whole UID on PostgreSQL: the pages users open most and the heavy jobs.

Run:  flock /tmp/meterops-bench.lock .venv/bin/python bench/bench_uid.py
      [--customers 5000000] [--months 12] [--requests 50] [--report docs/bench_uid_report.md]
      [--database-url postgres://postgres@127.0.0.1:5432/uid_bench] [--keep | --build-only]
      flock /tmp/meterops-bench.lock .venv/bin/python bench/bench_uid.py --reuse [--pages …]
      [--jobs [Pengesahan Peremajaan KRN-2 …] [--ulp 53561]]

In a fresh database (dropped and created here, migrated) it builds the demo region (one UID,
three UP3, nine ULP) and fills it in two stages, each set-based (COPY of ``generate_customers``
in chunks, then INSERT ... SELECT over the new customers' id range, never a query per row):

- customers and their current meters, spread evenly over the nine ULPs (~45 % postpaid);
- the demo reading days (A-E per ULP, ``schedule_demo_routes``) and ``--months`` periods of
  readings per postpaid customer: older periods approved (with their Approval and posting per
  reading day), the last one by reading day as in mid-cycle: A approved, B sent (waiting for
  Pengesahan), C verified, D vendor-verified, E read; one history row per step taken;
- HOME targets for 1 % of the customers (bench_replacement's statements: process, target),
  prepaid applications for 0.5 %, arrears for 3 %, and 1-4 timeline events per process.

Stage 1 builds the first tenth of the customers; the pages and jobs are measured there (the
baseline), then stage 2 adds the other nine tenths to the same database and everything is
measured again. The ratio full / baseline of a page's p95 says how it scales: about 1 for a
page that reads an index range or a page of rows, about 10 for one whose work grows with the
data (a count or aggregate over the whole reach), which is the page to look at before 5M.

Pages, each ``--requests`` GETs after a warm-up with Django's test Client as a ULP supervisor
(pengawas.baleendah), a UP3 user (admin.majalaya) and the UID admin: Dashboard, Data APP
Rusak (bench_replacement's filters, a deep page), Cek Status Terakhir, Pelanggan (IDPEL and
name), Rekap, Scorecard Vendor, Dashboard KRN. p50/p95 against the goal of 300 ms, and the
EXPLAIN (ANALYZE, BUFFERS) of the page's slowest SELECT is kept. Heavy jobs, through the
services the app uses: Pengesahan of a reading day, validation of the last period over every
reading day, a TO Ganti Meter Ex DG upload of customers/10 rows and a Peremajaan Kumulatif
file of customers/2000 rows (the upload pipeline in a worker process, as bench_imports), a
KRN-2 campaign over one ULP; the plan of each statement of validation, Pengesahan and the
campaign that runs ``PLAN_MIN_MS`` or longer is kept (auto_explain). Last, rows and bytes per
table, per customer and per customer-year. ``--report FILE`` writes all of it as markdown.
The database is dropped, unless ``--keep``; ``--build-only`` builds both stages and keeps
the database without measuring, for ``--reuse`` and ``bench_api_load.py --reuse`` later. A
kept UID stays in the cluster: ``.ci/replica`` copies the whole cluster with pg_basebackup, so
drop it (or give it twice its size free) before running that CI leg on the same machine, or
build it in a cluster of its own (``pg_createcluster 15 uid --port 5434``, ``--database-url``).
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import benchpages
from bench_imports import run_pipeline, write_file
from bench_replacement import CLOSED, INSERT_PROCESSES, INSERT_TARGETS, STAGE_TARGETS, cases
from benchdb import UID_URL, execute, scalar, throwaway_database

SEED = 2026
GOAL_MS = 300
CHUNK = 250_000  # customers per generate_customers call: its rows are held in memory
USERS = {"ULP": "pengawas.baleendah", "UP3": "admin.majalaya", "UID": "admin"}
LAST_PERIOD_STATES = {"A": "approved", "B": "sent", "C": "verified", "D": "vendor_verified"}
STEPS = ("read", "vendor_verified", "verified", "sent", "approved")
# A job's statements that run this long or longer have their plans kept (auto_explain).
PLAN_MIN_MS = 500
JOB_PLANS: dict[str, list[str]] = {}
TABLES = ("core_", "customers_", "reading_", "replacement_", "prepaid_", "fieldwork_", "keychange_")

# Older periods approved; the last by reading day. Register readings climb by the
# month's use so validation finds consistent history; 1 % (450 VA) over the jam nyala limit.
INSERT_READINGS = """
INSERT INTO reading_reading (customer_id, unit_id, reading_day_id, period, register_kwh,
    read_at, reader, photo, power_va, is_estimate, consumption_kwh, hours_on, flag_negative,
    flag_zero, flag_above_average, flag_hours_on, flag_outside_window, flag_no_photo, state,
    reread_reason, created_at, updated_at)
SELECT c.id, c.unit_id, d.id, %(period)s, 5000 + %(age)s * -120 + (c.id %% 97),
       now() - %(age)s * interval '30 days', 'BENCH', 'f.jpg', c.power_va, false, 120,
       120000.0 / c.power_va, false, false, false, false, false, false,
       CASE WHEN %(age)s > 0 THEN 'approved'
            ELSE coalesce((%(states)s::jsonb) ->> d.code, 'read') END,
       '', now() - %(age)s * interval '30 days', now() - %(age)s * interval '30 days'
FROM customers_customer c
JOIN reading_routeschedule s ON s.route_id = c.route_id
JOIN reading_readingday d ON d.id = s.reading_day_id
WHERE c.id > %(after)s AND c.payment_mode = 'postpaid'
"""
INSERT_APPROVALS = """
INSERT INTO reading_approval (period, approved_at, approved_count, blocked_count,
                              approved_by_id, reading_day_id)
SELECT DISTINCT r.period, now(), 0, 0, %(approver)s, r.reading_day_id
FROM reading_reading r
WHERE r.state = 'approved' AND r.posting_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM reading_approval a
                  WHERE a.reading_day_id = r.reading_day_id AND a.period = r.period)
"""
INSERT_POSTINGS = """
INSERT INTO reading_billingposting (number, created_at, approval_id, unit_id)
SELECT 'P1F2-' || u.code || '-' || a.period || '-' || d.code || '-' || a.id, now(), a.id, u.id
FROM reading_approval a JOIN reading_readingday d ON d.id = a.reading_day_id
JOIN core_unit u ON u.id = d.unit_id
WHERE NOT EXISTS (SELECT 1 FROM reading_billingposting p WHERE p.approval_id = a.id)
"""
LINK_POSTINGS = """
UPDATE reading_reading r SET posting_id = p.id
FROM reading_approval a JOIN reading_billingposting p ON p.approval_id = a.id
WHERE r.state = 'approved' AND r.posting_id IS NULL
  AND a.reading_day_id = r.reading_day_id AND a.period = r.period
"""
# One history row per step the reading took (simple-history's '+' then '~' per transition).
INSERT_READING_HISTORY = """
INSERT INTO reading_historicalreading ({columns}, history_date, history_change_reason,
                                       history_type, history_user_id)
SELECT {prefixed}, r.updated_at + s.n * interval '1 hour', (%(steps)s::text[])[s.n + 1],
       CASE WHEN s.n = 0 THEN '+' ELSE '~' END, NULL
FROM reading_reading r
JOIN customers_customer c ON c.id = r.customer_id AND c.id > %(after)s
CROSS JOIN LATERAL generate_series(0, array_position(%(steps)s::text[], r.state::text) - 1) AS s(n)
"""
INSERT_APPLICATIONS = """
WITH picked AS (
    SELECT %(first)s + row_number() OVER (ORDER BY c.id) AS n, c.id, c.unit_id, c.name,
           c.address, c.tariff, c.power_va
    FROM customers_customer c
    WHERE c.id > %(after)s AND c.id %% 200 = 7
), processes AS (
    INSERT INTO core_process (id, created_at, updated_at, customer_id, unit_id, domain, kind,
                              reference, state, state_label, is_open, opened_at, closed_at)
    SELECT n, now() - (n %% 90) * interval '1 day', now(), id, unit_id, 'prepaid',
           'Permohonan prabayar', 'PB' || lpad(n::text, 10, '0'),
           CASE WHEN n %% 3 = 0 THEN 'completed' ELSE 'paid' END, '', n %% 3 <> 0,
           now() - (n %% 90) * interval '1 day',
           CASE WHEN n %% 3 = 0 THEN now() - (n %% 30) * interval '1 day' END
    FROM picked
    RETURNING id
)
INSERT INTO prepaid_servicerequest (created_at, updated_at, request_number, kind, product,
    product_note, applicant_name, address, phone, tariff, power_va, previous_tariff,
    connection_fee, connection_fee_tax, deposit, initial_credit, initial_credit_kwh,
    previous_deposit, last_postpaid_bill, tariff_index, state, photo, report_scan,
    contract_scan, customer_id, process_id, unit_id, cancel_reason)
SELECT now() - (p.n %% 90) * interval '1 day', now(), 'PB' || lpad(p.n::text, 10, '0'),
       'migration', 'prepaid_keypad', '', p.name, p.address, '08123456789', p.tariff,
       p.power_va, p.tariff, 0, 0, 0, 20000, 13.5, 0, 0, '01',
       CASE WHEN p.n %% 3 = 0 THEN 'completed' ELSE 'paid' END, '', '', '', p.id, p.n,
       p.unit_id, ''
FROM picked p JOIN processes ON processes.id = p.n
"""
INSERT_ARREARS = """
INSERT INTO fieldwork_arrears (created_at, updated_at, bills, amount, reported_at, customer_id,
                               unit_id)
SELECT now(), now(), 1 + c.id %% 4, 150000 * (1 + c.id %% 4), now() - interval '3 days',
       c.id, c.unit_id
FROM customers_customer c
WHERE c.id > %(after)s AND c.payment_mode = 'postpaid' AND c.id %% 100 BETWEEN 10 AND 16
"""
# The opened event, one or two steps, and the closing one where the process closed.
INSERT_EVENTS = """
INSERT INTO core_processevent (process_id, customer_id, unit_id, domain, verb, from_state,
                               to_state, state_label, actor_id, at, note, attachment)
SELECT p.id, p.customer_id, p.unit_id, p.domain, p.domain || '.step', '', p.state, '',
       NULL, p.opened_at + s.n * interval '1 day', '', ''
FROM core_process p
CROSS JOIN LATERAL generate_series(0, 1 + p.id %% 2 + (NOT p.is_open)::int) AS s(n)
WHERE p.id > %(after)s
"""


def periods(months: int) -> list[str]:
    """The ``months`` billing periods (BLTH) before the current month, newest first."""
    from django.utils import timezone

    from meterops.reading.models import previous_period

    current = timezone.localdate().strftime("%Y%m")
    return [previous_period(current, n) for n in range(1, months + 1)]


def build(units, count: int, months: int) -> dict[str, float]:
    """Add ``count`` customers and everything that comes with them; seconds per part."""
    from meterops.core.models import User
    from meterops.customers.demo import generate_customers
    from meterops.reading.demo import schedule_demo_routes

    seconds = {}
    after = scalar("SELECT coalesce(max(id), 0) FROM customers_customer")
    started = time.perf_counter()
    # A seed per chunk and stage: a stage on the first's seeds drew the same meters again
    # (number and key data), so a KRN-2 campaign made the same KCT twice.
    for done in range(0, count, CHUNK):
        generate_customers(units=units, count=min(CHUNK, count - done), seed=SEED + after + done)
    seconds["customers + meters (COPY)"] = time.perf_counter() - started

    started = time.perf_counter()
    schedule_demo_routes()
    states = json.dumps(LAST_PERIOD_STATES)
    for age, period in enumerate(periods(months)):
        execute(INSERT_READINGS, {"period": period, "age": age, "states": states, "after": after})
    approver = User.objects.get(username="spvte.baleendah").pk
    execute(INSERT_APPROVALS, {"approver": approver})
    execute(INSERT_POSTINGS)
    execute(LINK_POSTINGS)
    seconds["readings + approvals"] = time.perf_counter() - started

    started = time.perf_counter()
    columns = [
        row[0]
        for row in _columns("reading_reading")
        if row[0] in dict(_columns("reading_historicalreading"))
    ]
    execute(
        INSERT_READING_HISTORY.format(
            columns=", ".join(columns), prefixed=", ".join(f"r.{c}" for c in columns)
        ),
        {"steps": list(STEPS), "after": after},
    )
    seconds["reading history"] = time.perf_counter() - started

    started = time.perf_counter()
    first_process = scalar("SELECT coalesce(max(id), 0) FROM core_process")
    targets = {"count": count, "first": first_process, "after": after, "every": 100}
    execute(STAGE_TARGETS, targets)
    execute(INSERT_PROCESSES, {"closed": list(CLOSED)})
    execute(INSERT_TARGETS, {"closed": list(CLOSED)})
    execute("DROP TABLE bench_target")
    first = scalar("SELECT coalesce(max(id), 0) FROM core_process")
    execute(INSERT_APPLICATIONS, {"first": first, "after": after})
    execute(INSERT_ARREARS, {"after": after})
    execute(INSERT_EVENTS, {"after": first_process})
    for table in ("core_process", "replacement_replacementtarget"):
        execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {table}))",  # noqa: S608
            [table],
        )
    seconds["targets, applications, arrears, events"] = time.perf_counter() - started

    started = time.perf_counter()
    execute("VACUUM ANALYZE")
    seconds["VACUUM ANALYZE"] = time.perf_counter() - started

    seconds.update(count_tallies())
    return seconds


def count_tallies() -> dict[str, float]:
    """Count the dashboards' kept tallies as the worker does when a page finds them stale
    (meterops.core.tallies); seconds per tally."""
    from meterops.customers.services import count_customers_by_unit
    from meterops.keychange.services import count_meters_by_vkrn
    from meterops.reading.forms import current_period
    from meterops.reading.services import count_recap

    seconds = {}
    for label, count in (
        ("tally: customers per ULP (Dashboard)", count_customers_by_unit),
        ("tally: meters per VKRN (Dashboard KRN)", count_meters_by_vkrn),
        ("tally: Rekap of the current BLTH", lambda: count_recap(current_period())),
        ("tally: Rekap of the last BLTH", lambda: count_recap(periods(1)[0])),
    ):
        started = time.perf_counter()
        count()
        seconds[label] = time.perf_counter() - started
    return seconds


def _columns(table: str) -> list[tuple[str, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_name = %s ORDER BY ordinal_position",
            [table],
        )
        return cursor.fetchall()


def pages(units) -> list[tuple[str, str, dict]]:
    """(label, URL, GET parameters) of every page timed."""
    from django.urls import reverse

    from meterops.customers.models import Customer
    from meterops.replacement.models import ReplacementTarget

    targets = ReplacementTarget.objects.filter(unit=units["53551"]).order_by("pk")
    customer = targets.first().customer
    deep = max(2, targets.count() // 25 // 2)
    listed = reverse("replacement:target_list")
    named = Customer.objects.filter(unit=units["53551"]).order_by("pk").first().name
    return [
        ("Dashboard", reverse("core:dashboard"), {}),
        *(
            (f"Data APP Rusak: {'deep page' if 'page' in params else label}", listed, params)
            for label, params in cases(units, deep)
        ),
        ("Cek Status Terakhir", reverse("core:status"), {"customer_id": customer.customer_id}),
        ("Pelanggan: IDPEL", reverse("customers:customer_list"), {"q": customer.customer_id}),
        ("Pelanggan: nama", reverse("customers:customer_list"), {"q": named}),
        ("Rekap", reverse("reading:recap"), {}),
        ("Rekap: last BLTH", reverse("reading:recap"), {"period": periods(1)[0]}),
        ("Scorecard Vendor", reverse("fieldwork:scorecard"), {}),
        ("Dashboard KRN", reverse("keychange:dashboard"), {}),
    ]


def measure_pages(units, requests: int, only: list[str] | None = None) -> dict:
    """(user, page) -> (p50, p95, slowest SELECT ms, its SQL, its plan).

    ``only``: the pages whose label starts with one of these, all when empty."""
    clients = benchpages.logged_in_clients(USERS)
    results = {}
    for label, url, params in pages(units):
        if only and not label.startswith(tuple(only)):
            continue
        for level, client in clients.items():
            times = benchpages.timed_gets(client, url, params, requests)
            worst = benchpages.slowest_statement(client, url, params)
            p50 = benchpages.percentile(times, 0.5)
            p95 = benchpages.percentile(times, 0.95)
            results[level, label] = (p50, p95, *worst)
            print(f"  {level:<4} {label:<44} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms", flush=True)
    return results


def peremajaan_file(path: Path, rows: int, prefix: str) -> None:
    """A day's Peremajaan Kumulatif: customers' meters replaced as billing saw them; NO_AGENDA
    and the new meter numbers carry ``prefix`` so each stage's file is new to the one before."""
    from django.utils import timezone
    from openpyxl import Workbook

    from meterops.customers.models import Meter
    from meterops.replacement.billing_upload import PEREMAJAAN_KUMULATIF

    day = timezone.localdate() - timedelta(days=1)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Data")
    sheet.append([column.header for column in PEREMAJAAN_KUMULATIF.columns])
    meters = Meter.objects.filter(removed_at__isnull=True, customer__payment_mode="postpaid")
    picked = meters.order_by("?").values_list("customer__customer_id", "meter_number")[:rows]
    stamp = f"{prefix}{day:%y%m%d}"
    for n, (customer_id, number) in enumerate(picked, 1):
        sheet.append(
            [
                f"{stamp}{n:07d}",
                customer_id,
                day,
                number,
                4200,
                "ITRON",
                "ACE 9000",
                f"57{prefix[-2:]}{n:07d}",
                0,
            ]
        )
    workbook.save(path)


JOBS = ("validation", "Pengesahan", "upload", "Peremajaan", "KRN-2")


def heavy_jobs(units, ulp: str, only: list[str] | None = None) -> dict[str, tuple[float, int]]:
    """Seconds and rows of each job, printed as each ends; the campaign runs over ULP ``ulp``.

    ``only``: the jobs (``JOBS``) whose name starts with one of these, all when empty."""
    from django.db.models import Count, Q

    from meterops.core.models import User
    from meterops.customers.models import Customer
    from meterops.keychange.services import CampaignFilter, generate_campaign
    from meterops.reading.models import ReadingDay
    from meterops.reading.services.approval import approve_reading_day
    from meterops.reading.validation import validate_readings
    from meterops.replacement.models import DamageType

    results = {}

    def wanted(job: str) -> bool:
        return not only or job.startswith(tuple(only))

    def done(label: str, seconds: float, rows: int, plans: list[str] = ()) -> None:
        results[label] = (seconds, rows)
        JOB_PLANS[label] = list(plans)
        print(f"    {label:<48} {rows:>9,} rows {seconds:8.2f} s", flush=True)

    period = periods(1)[0]
    if wanted("validation"):
        days = list(ReadingDay.objects.select_related("unit").order_by("pk"))
        with benchpages.slow_statement_plans(PLAN_MIN_MS) as plans:
            started = time.perf_counter()
            validated = sum(validate_readings(reading_day=day, period=period) for day in days)
            seconds = time.perf_counter() - started
        done(f"validation of {period}, all reading days", seconds, validated, plans)

    if wanted("Pengesahan"):
        # The demo schedule spreads routes over the days A-E across all ULPs, so the ULP's
        # day with the most readings waiting is the one its approver presses Sah/Setuju on.
        day = (
            ReadingDay.objects.filter(unit=units["53551"])
            .annotate(
                sent=Count(
                    "readings",
                    # approvable: sent and not held back (HELD_BACK), else a second run's
                    # Pengesahan of the day finds only held readings and is refused
                    filter=Q(
                        readings__period=period,
                        readings__state="sent",
                        readings__flag_hours_on=False,
                        readings__flag_swap_mismatch=False,
                    ),
                )
            )
            .order_by("-sent")
            .first()
        )
        approver = User.objects.get(username="spvte.baleendah")
        approved = 0
        with benchpages.slow_statement_plans(PLAN_MIN_MS) as plans:
            started = time.perf_counter()
            if day.sent:  # a small run may schedule no route of the ULP on a day still waiting
                approval = approve_reading_day(actor=approver, reading_day=day, period=period)
                approved = approval.approval.approved_count
            seconds = time.perf_counter() - started
        done("Pengesahan: a reading day of ULP BALEENDAH", seconds, approved, plans)

    customers = Customer.objects.count()
    with tempfile.TemporaryDirectory() as tmp:
        if wanted("upload"):
            supervisor = User.objects.get(username="pengawas.baleendah")
            ids = list(
                Customer.objects.filter(unit=units["53551"])
                .order_by("?")
                .values_list("customer_id", flat=True)[: customers // 10]
            )
            path = Path(tmp) / "TO_EX_DG.xlsx"
            write_file(path, ids, list(DamageType.objects.values_list("name", flat=True)))
            seconds, _peak = run_pipeline(path, supervisor)
            done("upload TO Ex DG (check + apply)", seconds, len(ids))

        if wanted("Peremajaan"):
            path = Path(tmp) / "PEREMAJAAN.xlsx"
            peremajaan_file(path, max(100, customers // 2000), ulp)
            seconds, _peak = run_pipeline(
                path, User.objects.get(username="admin"), "peremajaan-kumulatif"
            )
            done("Peremajaan Kumulatif file (check + apply)", seconds, max(100, customers // 2000))

    if wanted("KRN-2"):
        admin = User.objects.get(username="admin")
        with benchpages.slow_statement_plans(PLAN_MIN_MS) as plans:
            started = time.perf_counter()
            campaign = generate_campaign(
                actor=admin, unit=units[ulp], name=f"KRN-2 {ulp}", where=CampaignFilter()
            )
            seconds = time.perf_counter() - started
        done(f"KRN-2 campaign over ULP {ulp}", seconds, campaign.targets.count(), plans)
    execute("ANALYZE")
    return results


def job_plans() -> list[str]:
    """The plans of the last run's jobs' slow statements, as markdown."""
    lines = []
    for label, plans in JOB_PLANS.items():
        lines.append(f"\n#### {label}: {len(plans)} statement(s) of {PLAN_MIN_MS} ms or more\n")
        for plan in plans:
            lines += ["```", plan, "```"]
    return lines


def print_jobs(jobs: dict, baseline: dict) -> list[str]:
    lines = [
        "| job | rows (baseline) | s (baseline) | rows | s | rows/s | ratio s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for (label, (seconds, rows)), (base_s, base_rows) in zip(
        jobs.items(), baseline.values(), strict=True
    ):
        lines.append(
            f"| {label} | {base_rows:,} | {base_s:.2f} | {rows:,} | {seconds:.2f} "
            f"| {rows / seconds if seconds else 0:,.0f} "
            f"| {seconds / base_s if base_s else 0:.1f}x |"
        )
    return lines


def page_report(full: dict, baseline: dict) -> tuple[list[str], list[str]]:
    table = [
        "| user | page | p50 ms | p95 ms | baseline p95 | ratio | slowest SQL ms | goal |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    plans = []
    for (level, label), (p50, p95, sql_ms, statement, plan) in full.items():
        base = baseline[level, label][1]
        verdict = "ok" if p95 < GOAL_MS else f"MISS (> {GOAL_MS} ms)"
        table.append(
            f"| {level} | {label} | {p50:.0f} | {p95:.0f} | {base:.0f} | {p95 / base:.1f}x "
            f"| {sql_ms:.1f} | {verdict} |"
        )
        plans += [
            f"\n#### {level} — {label}: slowest SELECT ({sql_ms:.1f} ms)\n",
            "```sql",
            benchpages.short_sql(statement),
            "```",
            "```",
            *plan,
            "```",
        ]
    return table, plans


def size_report(customers: int, months: int) -> list[str]:
    lines = [
        f"| table | rows | MB | rows/customer | bytes/customer | bytes/customer/year "
        f"(÷ {months} months × 12 for readings) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for table, rows, size in benchpages.table_sizes(TABLES):
        if size < 1_000_000:
            continue
        per_year = 12 / months if table.startswith("reading_") else 1
        lines.append(
            f"| {table} | {rows:,} | {size / 1e6:,.1f} | {rows / customers:.3f} "
            f"| {size / customers:,.0f} | {size / customers * per_year:,.0f} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=5_000_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--requests", type=int, default=50, help="timed GETs per page and user")
    parser.add_argument("--report", type=Path, help="write the figures and plans as markdown")
    parser.add_argument("--database-url", default=UID_URL)
    parser.add_argument("--keep", action="store_true", help="leave the database for --reuse")
    parser.add_argument(
        "--build-only", action="store_true", help="build and keep the database, measure nothing"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="no build and no jobs: migrate the database a --keep run left, time its pages again",
    )
    parser.add_argument("--pages", nargs="*", help="only the pages whose label starts so")
    parser.add_argument(
        "--jobs",
        nargs="*",
        help="with --reuse: the heavy jobs too; only those named (JOBS: validation, Pengesahan,"
        " upload, Peremajaan, KRN-2) when given",
    )
    parser.add_argument(
        "--ulp",
        default="53553",
        help="with --reuse --jobs: the ULP of the KRN-2 campaign and of the Peremajaan file's"
        " NO_AGENDA; another than the last run's (its meters are in that run's campaign)",
    )
    args = parser.parse_args()
    if args.reuse:
        remeasure(args)
        return
    first = args.customers // 10

    with throwaway_database(args.database_url, keep=args.keep or args.build_only):
        from meterops.core.demo import build_region
        from meterops.vending.demo import store_test_keys

        logging.getLogger("meterops.request").setLevel(logging.WARNING)
        units = build_region()
        store_test_keys(units["53551"].parent.parent)
        report = [f"# bench_uid: {args.customers:,} customers, {args.months} months\n"]
        stages = {}
        for stage, count, ulp in (
            ("baseline", first, "53552"),
            ("full", args.customers - first, "53553"),
        ):
            print(f"\n== {stage}: adding {count:,} customers", flush=True)
            seconds = build(units, count, args.months)
            for part, spent in seconds.items():
                print(f"  build {part:<40} {spent:8.1f} s", flush=True)
            total = sum(seconds.values())
            rows = scalar(
                "SELECT sum(greatest(reltuples, 0))::bigint FROM pg_class WHERE relkind = 'r'"
            )
            print(f"  build total {total:.1f} s, database rows {rows:,}", flush=True)
            report.append(f"- build of the {stage} stage ({count:,} customers): {total:.0f} s")
            if args.build_only:
                continue
            print(f"  pages, {args.requests} GETs each", flush=True)
            measured = measure_pages(units, args.requests, args.pages)
            print("  heavy jobs", flush=True)
            jobs = heavy_jobs(units, ulp)
            stages[stage] = (measured, jobs)
        if args.build_only:
            print(f"\nkept for --reuse: {args.database_url}")
            return

        table, plans = page_report(stages["full"][0], stages["baseline"][0])
        jobs = print_jobs(stages["full"][1], stages["baseline"][1])
        sizes = size_report(args.customers, args.months)
        plans += ["\n### The jobs' slow statements (the full stage)\n", *job_plans()]
        print("\n" + "\n".join(table) + "\n\n" + "\n".join(jobs) + "\n\n" + "\n".join(sizes))
        print("\n".join(plans))
        if args.report:
            args.report.write_text(
                "\n".join(
                    [
                        *report,
                        "\n## Pages\n",
                        *table,
                        "\n## Heavy jobs\n",
                        *jobs,
                        "\n## Tables\n",
                        *sizes,
                        "\n## Plans\n",
                        *plans,
                        "",
                    ]
                )
            )


def remeasure(args) -> None:
    """Time the pages again on a kept database, after a change; the ULP user is the baseline.

    The migrations run first, so a schema change is also tried on the populated database."""
    with throwaway_database(args.database_url, keep=True, reuse=True):
        from meterops.core.models import Unit

        logging.getLogger("meterops.request").setLevel(logging.WARNING)
        customers = scalar("SELECT count(*) FROM customers_customer")
        print(f"\n== the kept database: {customers:,} customers", flush=True)
        for label, spent in count_tallies().items():
            print(f"  {label:<44} {spent:8.1f} s", flush=True)
        measured = measure_pages(Unit.objects.in_bulk(field_name="code"), args.requests, args.pages)
        baseline = {(level, label): measured["ULP", label] for level, label in measured}
        table, plans = page_report(measured, baseline)
        print("\n(baseline: the same page for the ULP user)\n" + "\n".join(table))
        print("\n".join(plans))
        jobs = []
        if args.jobs is not None:
            print("  heavy jobs (the first run's baseline stage is the ratio's base)", flush=True)
            for label, (spent, made) in heavy_jobs(
                Unit.objects.in_bulk(field_name="code"), args.ulp, args.jobs
            ).items():
                jobs.append(
                    f"| {label} | {made:,} | {spent:.2f} | {made / spent if spent else 0:,.0f} |"
                )
            jobs = ["| job | rows | s | rows/s |", "|---|---:|---:|---:|", *jobs]
            kept = job_plans()
            plans += ["\n### The jobs' slow statements\n", *kept]
            print("\n".join(kept))
        if args.report:
            args.report.write_text("\n".join([*table, "", *jobs, "\n## Plans\n", *plans, ""]))


if __name__ == "__main__":
    main()
