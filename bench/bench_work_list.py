"""In-process benchmark of the work list asked again (issue #22): the 304 and the delta.

Run:  .venv/bin/python bench/bench_work_list.py [--customers 20000] [--officers 200]
      [--requests 500] [--database-url postgres://postgres@127.0.0.1:5432/meterops_bench_wl]

In a fresh database (dropped and created here, migrated) it builds bench_api_load's data: the
demo region, ``--customers`` customers and ``--officers`` field officers of one contractor,
placed in every ULP, each with a device token and 5 distributed PKs. Each officer then fetches
the whole list once, as the phone keeps it. Timed with Django's test client in this process,
no server, no other load of its own, the officers taken in turn:

- 304: ``--requests`` GETs with the list's ETag in If-None-Match and its ``generated_at`` in
  ``since``, as the app asks at start-up and when polling;
- delta: the same after one PK of every officer changed (its target touched), so each answer
  is a 200 with that one item and every id;
- full: without validator, the whole list (for scale).

With ``--months N`` every postpaid customer also gets N months of readings (bench_uid's), and
``--rereads`` of the last period are sent back for re-reading (each officer, placed in every
ULP, has them on his list). The 304 is then timed again after dropping the partial index the
re-reads are read from (``reading_open_reread``): what every poll cost before it, a scan of
every reading, printed as a ratio of the two in this process.

Printed: per kind the queries of one request and its Python function calls (both the same
whatever else the machine runs), min, median, p95 and mean in ms (wall clock), the mean CPU
time of this process, and the machine's load average before and after. The figures compare two
versions of the code on the same machine (run both, alternately): a request alone, not a
queue. The database is dropped.
"""

import argparse
import os
import statistics
import sys
import time

from bench_uid import INSERT_READINGS, LAST_PERIOD_STATES, periods
from benchdb import execute, throwaway_database
from benchofficers import seed

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/meterops_bench_wl"
SEED = 2026


def timed(client, accounts: list[dict], count: int, status: int, *, conditional: bool) -> dict:
    """``count`` GETs of the work list, officer after officer; each must answer ``status``."""
    from django.db import connection

    def ask(account):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {account['token']}"}
        params = {}
        if conditional:
            headers["HTTP_IF_NONE_MATCH"] = account["held"]["etag"]
            params["since"] = account["held"]["generated_at"]
        answer = client.get("/api/work-list", params, **headers)
        assert answer.status_code == status, (answer.status_code, answer.content[:300])
        return answer

    for account in accounts:  # warm-up: every token once (its last_used_at written if due)
        ask(account)
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        ask(accounts[0])
    calls = 0

    def count_calls(frame, event, arg):
        nonlocal calls
        calls += event == "call"

    sys.setprofile(count_calls)  # Python function calls: the same whatever the machine's load
    for account in accounts[:20]:
        ask(account)
    sys.setprofile(None)
    times, cpu = [], []
    for i in range(count):
        started, started_cpu = time.perf_counter(), time.process_time()
        ask(accounts[i % len(accounts)])
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    times.sort()
    return {
        "queries": len(statements),
        "calls": calls / len(accounts[:20]),
        "min": times[0],
        "median": statistics.median(times),
        "p95": times[int(0.95 * (len(times) - 1))],
        "mean": statistics.fmean(times),
        "cpu": statistics.fmean(cpu),
        "sql": statements,
    }


def add_readings(months: int, rereads: int) -> int:
    """``months`` of readings per postpaid customer, set-based; ``rereads`` of the last period
    sent back for re-reading as request_rereads leaves them. The readings written."""
    import json

    from meterops.reading.demo import schedule_demo_routes
    from meterops.reading.models import Reading

    schedule_demo_routes()
    states = json.dumps(LAST_PERIOD_STATES)
    for age, period in enumerate(periods(months)):
        execute(INSERT_READINGS, {"period": period, "age": age, "states": states, "after": 0})
    last = periods(1)[0]
    sent_back = Reading.objects.filter(period=last).order_by("id").values("id")[:rereads]
    Reading.objects.filter(id__in=sent_back).update(
        state="reread_requested", reread_reason="Foto buram"
    )
    execute("VACUUM ANALYZE")
    return Reading.objects.count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--officers", type=int, default=200)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--months", type=int, default=0, help="months of readings")
    parser.add_argument("--rereads", type=int, default=20, help="with --months")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--show-sql", action="store_true", help="print the 304's statements")
    args = parser.parse_args()

    os.environ.setdefault("LOG_LEVEL", "WARNING")  # not a line per request on the console
    with throwaway_database(args.database_url):
        from django.test import Client
        from django.utils import timezone

        from meterops.core.demo import build_region
        from meterops.customers.demo import generate_customers
        from meterops.replacement.models import ReplacementTarget, WorkOrder

        started = time.perf_counter()
        generate_customers(units=build_region(), count=args.customers, seed=SEED)
        readings = add_readings(args.months, args.rereads) if args.months else 0
        rereads = args.rereads if args.months else 0
        accounts = seed(args.officers)
        client = Client(HTTP_HOST="localhost")
        for account in accounts:
            answer = client.get("/api/work-list", HTTP_AUTHORIZATION=f"Bearer {account['token']}")
            account["held"] = {**answer.json(), "etag": answer["ETag"]}
            assert len(account["held"]["items"]) == 5 + rereads, answer.content[:300]
        print(
            f"{args.customers:,} customers, {readings:,} readings ({rereads} sent back), "
            f"{args.officers} officers with 5 PKs each: {time.perf_counter() - started:.1f} s"
        )
        load_before = os.getloadavg()[0]
        results = {"304": timed(client, accounts, args.requests, 304, conditional=True)}
        if args.months:
            execute("DROP INDEX reading_open_reread")
            results["304, no partial index"] = timed(
                client, accounts, args.requests, 304, conditional=True
            )
        orders = WorkOrder.objects.order_by("assigned_to_id", "id")
        first_of_each = orders.distinct("assigned_to_id")
        ReplacementTarget.objects.filter(
            pk__in=[order.target_id for order in first_of_each]
        ).update(updated_at=timezone.now())
        results["delta"] = timed(client, accounts, args.requests, 200, conditional=True)
        results["full"] = timed(client, accounts, args.requests, 200, conditional=False)
        print(
            f"{args.requests} requests each; machine load average {load_before:.1f} before, "
            f"{os.getloadavg()[0]:.1f} after"
        )
        print(
            f"  {'work list':<22} {'queries':>7} {'py calls':>9} {'min':>9} {'median':>9} "
            f"{'p95':>9} {'mean':>9} {'CPU mean':>9}"
        )
        for kind, result in results.items():
            print(
                f"  {kind:<22} {result['queries']:>7} {result['calls']:>9,.0f} "
                f"{result['min']:>7.2f}ms {result['median']:>7.2f}ms {result['p95']:>7.2f}ms "
                f"{result['mean']:>7.2f}ms {result['cpu']:>7.2f}ms"
            )
        if args.months:
            ratio = results["304, no partial index"]["p95"] / results["304"]["p95"]
            print(f"  the 304 at p95 without the partial index / with it: {ratio:.1f}x")
        if args.show_sql:
            for statement in results["304"]["sql"]:
                print(f"    {statement}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
