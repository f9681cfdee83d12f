"""Benchmark of HOME: work order PDFs, and Data APP Rusak over 1,000,000 targets on PostgreSQL.

Run:  .venv/bin/python bench/bench_replacement.py [--targets 1000000] [--work-orders 1000]
      [--repeat 5] [--deep-page 2000] [--pdf-rounds 3]
      [--database-url postgres://postgres@127.0.0.1:5432/meterops_bench_replacement]

In a fresh database (dropped and created here, migrated, demo region built) it writes N demo
customers (``generate_customers``, COPY) and one replacement target for each, set-based
(INSERT ... SELECT into ``core_process`` and ``replacement_replacementtarget``; states, sources
and damage types spread by hash, reported over the last 12 months), then ``--work-orders``
work orders, then VACUUM ANALYZE.  Two measurements, each against a baseline in this process:

1. PDF: ``render_work_orders`` over all work orders into one PDF, against one PDF per work
   order (as many calls, the same instances, loaded with every relation the page reads so no
   query runs while drawing), interleaved, best of ``--pdf-rounds``; pages/s and the ratio;
   the page count is checked with pypdf.  Also timed: the Cetak PK view's own queryset
   (``work_orders_for``), whose relations not joined there (gardu, RBM, parent units) are
   loaded page by page while drawing.
2. List: GET of Data APP Rusak (``replacement:target_list``) with Django's test Client for a
   UID user ("admin") and a ULP user ("pengawas.baleendah"): no filter, state, source +
   damage type, one month, unit, IDPEL prefix and page 2000; median ms of ``--repeat`` runs
   after one warm-up.  Baseline: the same requests after dropping the target table's three
   secondary indexes (``ReplacementTarget.Meta.indexes``) and re-analysing; ratio no-index /
   indexed.  EXPLAIN (ANALYZE, BUFFERS) of the page query and the COUNT query of the
   unfiltered page is printed for both users, and for any indexed request over 300 ms.

The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import io
import re
import statistics
import time
from datetime import timedelta

import benchpages
from benchdb import throwaway_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/meterops_bench_replacement"
SEED = 2026
SLOW_MS = 300
USERS = {"UID": "admin", "ULP": "pengawas.baleendah"}
CLOSED = ("replaced", "dropped")

# One row per target: customer, unit, current meter, and its attributes drawn from hashes of
# the row number n (decorrelated by seed; ids from first + 1, every ``every``-th customer after
# id ``after``): 45% replaced, 5% dropped, 12% submitted, 3% reverify,
# 7% verified, 14% printed, 14% assigned; 20% programme; 10 damage types; 365 days of reports.
STAGE_TARGETS = """
CREATE TEMP TABLE bench_target AS
SELECT c.n, c.customer_id, c.unit_id, m.id AS meter_id,
       CASE WHEN h.s < 45 THEN 'replaced' WHEN h.s < 50 THEN 'dropped'
            WHEN h.s < 62 THEN 'submitted' WHEN h.s < 65 THEN 'reverify'
            WHEN h.s < 72 THEN 'verified' WHEN h.s < 86 THEN 'printed'
            ELSE 'assigned' END AS state,
       CASE WHEN h.src < 20 THEN 'programme' ELSE 'fault' END AS source,
       d.ids[1 + h.dmg] AS damage_type_id,
       date_trunc('second', now()) - h.age * interval '1 second' AS reported_at
FROM (SELECT %(first)s + row_number() OVER (ORDER BY id) AS n, id AS customer_id, unit_id
      FROM customers_customer WHERE id > %(after)s AND id %% %(every)s = 0
      ORDER BY id LIMIT %(count)s) c
LEFT JOIN customers_meter m ON m.customer_id = c.customer_id AND m.removed_at IS NULL
CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS k
            FROM replacement_damagetype) d
CROSS JOIN LATERAL (SELECT abs(hashint8extended(c.n, 1)) %% 100 AS s,
                           abs(hashint8extended(c.n, 2)) %% 100 AS src,
                           abs(hashint8extended(c.n, 3)) %% d.k AS dmg,
                           abs(hashint8extended(c.n, 4)) %% 31536000 AS age) h
"""
INSERT_PROCESSES = """
INSERT INTO core_process (id, created_at, updated_at, customer_id, unit_id, domain, kind,
                          reference, state, state_label, is_open, opened_at, closed_at)
SELECT n, reported_at, reported_at, customer_id, unit_id, 'replacement', 'Target ganti meter',
       'TO-' || lpad(n::text, 7, '0'), state, '', state <> ALL(%(closed)s), reported_at,
       CASE WHEN state = ANY(%(closed)s) THEN reported_at + interval '9 days' END
FROM bench_target
"""
INSERT_TARGETS = """
INSERT INTO replacement_replacementtarget (
    id, created_at, updated_at, process_id, customer_id, unit_id, meter_id, source,
    from_reading_anomaly, programme_name, damage_type_id, notes, reading_at_discovery,
    reported_at, state, state_reason, closed_at)
SELECT n, reported_at, reported_at, n, customer_id, unit_id, meter_id, source, false,
       CASE WHEN source = 'programme' THEN 'Penggantian meter tua 2026' ELSE '' END,
       damage_type_id, 'Dilaporkan pelanggan', (n %% 90000) + 0.5, reported_at, state, '',
       CASE WHEN state = ANY(%(closed)s) THEN reported_at + interval '9 days' END
FROM bench_target
"""
INSERT_WORK_ORDERS = """
INSERT INTO replacement_workorder (created_at, updated_at, target_id, unit_id, number,
                                   printed_at, printed_by_id, print_count, assigned_to_id,
                                   assigned_at)
SELECT t.printed_at, t.printed_at, t.id, t.unit_id,
       'PK/' || u.code || '/' || extract(year FROM t.printed_at)::int || '/'
           || lpad((row_number() OVER (PARTITION BY t.unit_id ORDER BY t.id))::text, 6, '0'),
       t.printed_at, %(printer)s, 1,
       CASE WHEN t.state <> 'printed' THEN %(officer)s END,
       CASE WHEN t.state <> 'printed' THEN t.printed_at + interval '1 day' END
FROM (SELECT id, unit_id, state, reported_at + interval '5 days' AS printed_at
      FROM replacement_replacementtarget
      WHERE state IN ('printed', 'assigned', 'replaced')
      ORDER BY hashint8extended(id, 5) LIMIT %(count)s) t
JOIN core_unit u ON u.id = t.unit_id
"""
RESET_SEQUENCE = "SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {}))"


def execute(statement: str, params=None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def seed(count: int, work_orders: int) -> None:
    """Targets and processes for the first ``count`` customers, then the work orders."""
    from meterops.core.models import User

    closed = list(CLOSED)
    execute(STAGE_TARGETS, {"count": count, "first": 0, "after": 0, "every": 1})
    execute(INSERT_PROCESSES, {"closed": closed})
    execute(INSERT_TARGETS, {"closed": closed})
    execute("DROP TABLE bench_target")
    printer = User.objects.get(username="admin").pk
    officer = User.objects.get(username="petugas.cater").pk
    execute(INSERT_WORK_ORDERS, {"printer": printer, "officer": officer, "count": work_orders})
    for table in ("core_process", "replacement_replacementtarget", "replacement_workorder"):
        execute(RESET_SEQUENCE.format(table), [table])
    execute("VACUUM ANALYZE")


def bench_pdf(user, rounds: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from pypdf import PdfReader

    from meterops.documents.work_orders import render_work_orders
    from meterops.replacement import queries

    view_queryset = queries.work_orders_for(user).order_by("number")
    loaded = list(
        view_queryset.select_related(
            "target__customer__substation", "target__customer__route", "unit__parent__parent"
        )
    )
    count = len(loaded)
    render_work_orders(loaded[:1])  # warm-up: fonts, QR tables
    one_pdf, per_order = [], []
    with CaptureQueriesContext(connection) as drawn:
        for _ in range(rounds):  # interleaved; the best round of each is kept
            started = time.perf_counter()
            pdf = render_work_orders(loaded)
            one_pdf.append(time.perf_counter() - started)
            started = time.perf_counter()
            separate = [render_work_orders([work_order]) for work_order in loaded]
            per_order.append(time.perf_counter() - started)
    assert not drawn.captured_queries, "render_work_orders ran queries on joined instances"
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert pages == count, (pages, count)
    with CaptureQueriesContext(connection) as view:
        started = time.perf_counter()
        render_work_orders(view_queryset.all())
        view_seconds = time.perf_counter() - started

    print(f"\nPDF: {count:,} work orders, one A4 page each, best of {rounds} rounds")
    for label, seconds, size in (
        ("one PDF (render_work_orders(all))", min(one_pdf), len(pdf)),
        (f"{count:,} PDFs, one call each (baseline)", min(per_order), sum(map(len, separate))),
        ("Cetak PK view's queryset, one PDF", view_seconds, None),
    ):
        megabytes = f"{size / 1e6:6.1f} MB" if size else f"{len(view.captured_queries):,} queries"
        print(f"  {label:<40} {seconds:7.2f} s {count / seconds:7.0f} pages/s {megabytes}")
    print(f"  pypdf: {pages:,} pages in the one PDF")
    print(f"  ratio one PDF / one per work order: {min(per_order) / min(one_pdf):.2f}x")
    print(f"  ratio joined relations / view's queryset: {view_seconds / min(one_pdf):.2f}x")


def cases(units, deep_page: int) -> list[tuple[str, dict]]:
    """The requests timed for each user: (label, GET parameters)."""
    from django.utils import timezone

    from meterops.customers.models import Customer
    from meterops.replacement.models import DamageType

    today = timezone.localdate()
    unit = units["53551"]
    first = Customer.objects.filter(unit=unit).order_by("customer_id").first().customer_id
    damage = DamageType.objects.get(code="display-mati")
    return [
        ("no filter, page 1", {}),
        ("state = submitted", {"state": "submitted"}),
        ("source + damage type", {"source": "fault", "damage_type": damage.pk}),
        (
            "one month (date range)",
            {"date_from": today - timedelta(days=60), "date_to": today - timedelta(days=31)},
        ),
        ("unit = ULP Baleendah", {"unit": unit.pk}),
        (f"IDPEL prefix {first[:10]}", {"customer_id": first[:10]}),
        (f"no filter, page {deep_page}", {"page": deep_page}),
    ]


def time_requests(clients, requests, repeat: int) -> dict:
    """Median ms and page count of each (user, request)."""
    from django.urls import reverse

    url = reverse("replacement:target_list")
    results = {}
    for level, client in clients.items():
        for label, params in requests:
            client.get(url, params)
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(url, params)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (label, response.status_code)
            html = response.content.decode()
            found = re.search(r"Halaman (\d+) dari (\d+)", html)
            page, pages = map(int, found.groups()) if found else (1, 1)
            assert page == int(params.get("page", 1)), (label, page)
            results[level, label] = (statistics.median(times), pages)
    return results


def explain(client, params) -> dict[str, list[str]]:
    """EXPLAIN (ANALYZE, BUFFERS) of the target list's COUNT and page queries for ``params``."""
    from django.urls import reverse

    page = benchpages.page_statements(client, reverse("replacement:target_list"), params)
    statements = [s for s in page if '"replacement_replacementtarget"' in s]
    plans = {}
    for kind, statement in (
        ("COUNT", next(s for s in statements if s.startswith("SELECT COUNT(*)"))),
        ("page", next(s for s in statements if " LIMIT " in s)),
    ):
        plans[kind] = [statement, *benchpages.explain(statement)]
    return plans


def print_plans(level: str, label: str, plans: dict[str, list[str]]) -> None:
    for kind, (statement, *plan) in plans.items():
        statement = re.sub(r"^SELECT .*? FROM ", "SELECT ... FROM ", statement)
        print(f"\n-- {level} user, {label}: {kind} query\n{statement}")
        print("\n".join(plan))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=1_000_000)
    parser.add_argument("--work-orders", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each request")
    parser.add_argument("--deep-page", type=int, default=2000)
    parser.add_argument("--pdf-rounds", type=int, default=3)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()

    with throwaway_database(args.database_url):
        from django.test import Client

        from meterops.core.demo import build_region
        from meterops.core.models import User
        from meterops.customers.demo import generate_customers
        from meterops.replacement.models import ReplacementTarget

        started = time.perf_counter()
        units = build_region()
        generate_customers(units=units, count=args.targets, seed=SEED)
        print(f"{args.targets:,} customers: {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        seed(args.targets, args.work_orders)
        print(
            f"{ReplacementTarget.objects.count():,} targets and processes, "
            f"{args.work_orders:,} work orders, VACUUM ANALYZE: "
            f"{time.perf_counter() - started:.1f} s"
        )

        users = {level: User.objects.get(username=name) for level, name in USERS.items()}
        bench_pdf(users["UID"], args.pdf_rounds)

        clients = {}
        for level, user in users.items():
            clients[level] = Client(HTTP_HOST="localhost")
            clients[level].force_login(user)
        requests = cases(units, args.deep_page)
        indexed = time_requests(clients, requests, args.repeat)
        slow = [key for key, (ms, _pages) in indexed.items() if ms > SLOW_MS]
        for level, client in clients.items():
            for label, params in requests:
                if label == requests[0][0] or (level, label) in slow:
                    print_plans(level, label, explain(client, params))

        names = [index.name for index in ReplacementTarget._meta.indexes]
        execute(f"DROP INDEX {', '.join(names)}")
        execute("ANALYZE replacement_replacementtarget")
        baseline = time_requests(clients, requests, args.repeat)

        print(f"\nData APP Rusak over {args.targets:,} targets, median of {args.repeat} GETs")
        print(f"baseline: without {', '.join(names)}")
        print(f"{'user':<4} {'request':<28} {'pages':>7} {'indexed':>9} {'no index':>9} ratio")
        for (level, label), (ms, pages) in indexed.items():
            without = baseline[level, label][0]
            print(
                f"{level:<4} {label:<28} {pages:>7,} {ms:>6.0f} ms {without:>6.0f} ms "
                f"{without / ms:5.1f}x"
            )
        if slow:
            listed = "; ".join(f"{level} {label}" for level, label in slow)
            print(f"\nNOT well under a second (indexed median > {SLOW_MS} ms): {listed}")
        else:
            print(f"\nevery indexed request: median under {SLOW_MS} ms")


if __name__ == "__main__":
    main()
