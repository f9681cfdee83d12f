"""Benchmark of the Daftar Suspect P2TL (issue #23) on PostgreSQL: the list of a ULP and of the
whole UID, and its Excel export, at two sizes in the same database.

Run:  flock /tmp/meterops-bench.lock .venv/bin/python bench/bench_p2tl.py
      [--customers 1000000] [--months 12] [--requests 20]
      [--database-url postgres://postgres@127.0.0.1:5432/p2tl_bench] [--keep]

In a fresh database (dropped and created here, migrated) it builds the demo region (one UID,
three UP3, nine ULP) and fills it in two stages, each set-based (COPY of ``generate_customers``
in chunks, then INSERT ... SELECT over the new customers' id range, never a query per row):

- customers and their meters, spread evenly over the nine ULPs (~45 % postpaid);
- ``--months`` periods of readings per postpaid customer, with 3-month averages; 0.5 % go
  backwards once, 0.7 % read zero once, as many more read zero explained by a disconnection;
- finished field orders (a meter visit) for 0.3 % of the postpaid customers two months ago,
  and their last reading at a third of the average;
- ``--months`` months of NFC load profile per prepaid meter: 0.4 % of the meters carry status
  tamper 08 in a third of the months, 0.5 % a voltage below the band, 0.3 % a stand that never
  rises; a token a month for a tenth of the prepaid meters (the stuck ones among them);
- prepaid sampling orders with an LBKB for 0.2 % of the prepaid customers, three "token tidak
  bisa masuk" calls for 0.25 % of the customers in the last month.

KRN-2 campaign targets are not built (a campaign needs the vending keys' KCT generation): the
KCT rule reads an empty table here, its plan is that of bench_keychange's targets.

Stage 1 builds the first tenth of the customers (the baseline), stage 2 adds the other nine
tenths. After each, the worker's job that keeps the scores (``p2tl.services.count_suspects``,
every unit with its own weights) is timed once; then, per user, the list scored live as before
the kept scores (one aggregate statement over the reach, which grows with its customers), and
the page, a deep page and the export reading the kept scores. The ratios that tell: full /
baseline of each figure, and live / kept in the same stage. The database is dropped.
"""

from __future__ import annotations

import argparse
import logging
import time

import benchpages
from benchdb import execute, scalar, throwaway_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/p2tl_bench"
SEED = 2323
CHUNK = 250_000  # customers per generate_customers call: its rows are held in memory
USERS = {"ULP": "pengawas.baleendah", "UID": "admin"}

# Older readings first; the register climbs by the month's use. A reading's average_kwh is the
# 3-month average before it, as validation leaves it.
INSERT_READINGS = """
INSERT INTO reading_reading (customer_id, unit_id, reading_day_id, period, register_kwh,
    read_at, reader, photo, power_va, is_estimate, average_kwh, consumption_kwh, hours_on,
    flag_negative, flag_zero, flag_disconnected, flag_above_average, flag_hours_on,
    flag_outside_window, flag_no_photo, state, reread_reason, created_at, updated_at)
SELECT c.id, c.unit_id, d.id, %(period)s, 5000 + %(age)s * -120 + (c.id %% 97),
       now() - %(age)s * interval '30 days', 'BENCH', 'f.jpg', c.power_va, false, 120,
       CASE WHEN %(age)s = 0 AND c.id %% 1000 < 3 THEN 40
            WHEN c.id %% 1000 BETWEEN 3 AND 9 AND %(age)s = c.id %% 5 THEN 0
            WHEN c.id %% 1000 BETWEEN 10 AND 16 AND %(age)s = c.id %% 5 THEN 0
            ELSE 120 END,
       120000.0 / c.power_va,
       c.id %% 1000 BETWEEN 20 AND 24 AND %(age)s = c.id %% 7,
       c.id %% 1000 BETWEEN 3 AND 9 AND %(age)s = c.id %% 5,
       c.id %% 1000 BETWEEN 10 AND 16 AND %(age)s = c.id %% 5,
       false, false, false, false, 'approved', '',
       now() - %(age)s * interval '30 days', now() - %(age)s * interval '30 days'
FROM customers_customer c
JOIN reading_routeschedule s ON s.route_id = c.route_id
JOIN reading_readingday d ON d.id = s.reading_day_id
WHERE c.id > %(after)s AND c.payment_mode = 'postpaid'
"""
# A finished accuracy-check visit two months ago for the customers whose last reading dropped.
INSERT_VISITS = """
INSERT INTO fieldwork_fieldorder (unit_id, customer_id, kind, state, issued_by_id, issued_at,
    done_at, photo, signature, initials, outcome, note, disconnection_method, seal_number,
    withdrawn_by_payment, inspection_finding, created_at, updated_at)
SELECT c.unit_id, c.id, %(kind)s, 'done', %(user)s, now() - interval '70 days',
       now() - interval '60 days', '', '', '', '', '', '', '', false, '', now(), now()
FROM customers_customer c
WHERE c.id > %(after)s AND c.payment_mode = %(mode)s AND c.id %% 1000 < %(per_mille)s
"""
SET_SAMPLING_ANOMALY = """
UPDATE fieldwork_fieldorder SET anomaly_id = (SELECT min(id) FROM reading_anomalycode)
WHERE kind = 'prepaid_sampling' AND customer_id > %(after)s
"""
INSERT_LOAD_PROFILE = """
INSERT INTO prepaid_loadprofilerecord (meter_id, period, register_kwh, credit_kwh, voltage,
    tamper_status, received_at)
SELECT m.id, %(period)s, CASE WHEN c.id %% 1000 BETWEEN 50 AND 52 THEN 3000
                             ELSE 3000 - %(age)s * 90 END, 6,
       CASE WHEN c.id %% 1000 BETWEEN 30 AND 34 THEN 180 ELSE 220 END,
       CASE WHEN c.id %% 1000 BETWEEN 40 AND 43 AND %(age)s %% 3 = 0 THEN 8 ELSE 0 END,
       now() - %(age)s * interval '30 days'
FROM customers_customer c
JOIN customers_meter m ON m.customer_id = c.id
WHERE c.id > %(after)s AND c.payment_mode = 'prepaid'
"""
# A token a month for a tenth of the prepaid meters, among them the stuck ones above.
INSERT_SALES = """
INSERT INTO prepaid_tokensale (meter_id, channel, reference, amount, admin_fee,
    street_lighting_tax, energy_amount, price_per_kwh, kwh, token, sold_at)
SELECT m.id, 'BENCH', 'B' || m.id || '-' || %(age)s, 100000, 2500, 0, 97500, 1444.70, 67.5,
       '11112222333344445555', now() - %(age)s * interval '30 days'
FROM customers_customer c
JOIN customers_meter m ON m.customer_id = c.id
WHERE c.id > %(after)s AND c.payment_mode = 'prepaid' AND c.id %% 10 = 0
"""
INSERT_CALLS = """
INSERT INTO complaints_tokencall (customer_id, unit_id, agent_id, checklist, power_state,
    token, finding, old_key_token, diagnosis, note, created_at, updated_at)
SELECT c.id, c.unit_id, %(user)s, '[]', '', '', 'not_checked', false, '', '',
       now() - n * interval '5 days', now() - n * interval '5 days'
FROM customers_customer c
CROSS JOIN generate_series(1, 3) AS s(n)
WHERE c.id > %(after)s AND c.id %% 400 = 6
"""


def periods(months: int) -> list[str]:
    """The ``months`` billing periods (BLTH) up to the current one, newest first."""
    from django.utils import timezone

    from meterops.reading.models import previous_period

    current = timezone.localdate().strftime("%Y%m")
    return [previous_period(current, n) for n in range(months)]


def build(units, count: int, months: int) -> dict[str, float]:
    """Add ``count`` customers and their signals; seconds per part."""
    from meterops.core.models import User
    from meterops.customers.demo import generate_customers
    from meterops.reading.demo import schedule_demo_routes

    seconds = {}
    after = scalar("SELECT coalesce(max(id), 0) FROM customers_customer")
    user = User.objects.get(username=USERS["ULP"]).pk
    started = time.perf_counter()
    # A seed per chunk and stage: a stage on the first's seeds drew the same customers again
    # (numbers, tariffs, names), a second copy of the first stage's customers.
    for done in range(0, count, CHUNK):
        generate_customers(units=units, count=min(CHUNK, count - done), seed=SEED + after + done)
    seconds["customers + meters (COPY)"] = time.perf_counter() - started

    started = time.perf_counter()
    schedule_demo_routes()
    for age, period in enumerate(periods(months)):
        execute(INSERT_READINGS, {"period": period, "age": age, "after": after})
    seconds["readings"] = time.perf_counter() - started

    started = time.perf_counter()
    for age, period in enumerate(periods(months)):
        execute(INSERT_LOAD_PROFILE, {"period": period, "age": age, "after": after})
        execute(INSERT_SALES, {"age": age, "after": after})
    seconds["NFC load profiles, token sales"] = time.perf_counter() - started

    started = time.perf_counter()
    visits = {"user": user, "after": after}
    execute(INSERT_VISITS, {**visits, "kind": "accuracy_check", "mode": "postpaid", "per_mille": 3})
    execute(
        INSERT_VISITS, {**visits, "kind": "prepaid_sampling", "mode": "prepaid", "per_mille": 2}
    )
    execute(SET_SAMPLING_ANOMALY, {"after": after})
    execute(INSERT_CALLS, {"user": user, "after": after})
    seconds["field orders, token calls"] = time.perf_counter() - started

    started = time.perf_counter()
    execute("VACUUM ANALYZE")
    seconds["VACUUM ANALYZE"] = time.perf_counter() - started
    return seconds


def measure(units, requests: int) -> tuple[dict[str, dict], float]:
    """The worker's count of every unit's scores (seconds), then p50/p95 (ms) per user of the
    list and the export reading the kept scores, and of the list scored live as before."""
    from dataclasses import replace

    from django.urls import reverse

    from meterops.core.models import User
    from meterops.p2tl.queries import window_of
    from meterops.p2tl.services import count_suspects, suspect_page, suspect_total

    started = time.perf_counter()
    count_suspects()
    counting = time.perf_counter() - started
    clients = benchpages.logged_in_clients(USERS)
    measured = {}
    for label, client in clients.items():
        window = window_of(User.objects.get(username=USERS[label]), None)
        listed = suspect_total(window)
        # The list's statement alone, as before (scored live) and now (kept scores).
        for name, source, count in (
            ("scored live", replace(window, counted_at=None), max(2, requests // 10)),
            ("kept scores", window, requests),
        ):
            times = []
            for _ in range(count):
                started = time.perf_counter()
                suspect_page(source, limit=25)
                times.append((time.perf_counter() - started) * 1000)
            measured[f"{name}, first page's statement ({label})"] = _figures(times, listed)
        for page, url, count in (
            ("Daftar Suspect P2TL", reverse("p2tl:suspect_list"), requests),
            ("Daftar Suspect P2TL, page 3", reverse("p2tl:suspect_list"), requests),
            ("Ekspor Excel", reverse("p2tl:suspect_export"), max(1, requests // 10)),
        ):
            params = {"page": 3} if "page 3" in page else {}
            times = benchpages.timed_gets(client, url, params, count)
            measured[f"{page} ({label})"] = _figures(times, listed)
    return measured, counting


def _figures(times: list[float], listed: int) -> dict:
    return {
        "p50": benchpages.percentile(times, 0.5),
        "p95": benchpages.percentile(times, 0.95),
        "listed": listed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--requests", type=int, default=20, help="timed GETs per page and user")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--keep", action="store_true", help="leave the database behind")
    args = parser.parse_args()
    first = args.customers // 10

    with throwaway_database(args.database_url, keep=args.keep):
        from meterops.core.demo import build_region

        logging.getLogger("meterops.request").setLevel(logging.WARNING)
        units = build_region()
        stages, counting = {}, {}
        for stage, count in (("baseline", first), ("full", args.customers - first)):
            print(f"\n== {stage}: adding {count:,} customers", flush=True)
            seconds = build(units, count, args.months)
            for part, spent in seconds.items():
                print(f"  build {part:<40} {spent:8.1f} s", flush=True)
            stages[stage], counting[stage] = measure(units, args.requests)
            print(f"  count_suspects (every unit, the worker's job) {counting[stage]:8.1f} s")

        ratio = counting["full"] / counting["baseline"] if counting["baseline"] else float("nan")
        print(
            f"\ncount_suspects: {counting['full']:.1f} s, baseline {counting['baseline']:.1f} s"
            f" ({ratio:.2f}×)"
        )

        print(f"\n{'page (user)':<44} {'listed':>9} {'p50 ms':>9} {'p95 ms':>9} {'×base':>7}")
        for label, full in stages["full"].items():
            base = stages["baseline"][label]
            ratio = full["p95"] / base["p95"] if base["p95"] else float("nan")
            print(
                f"{label:<44} {full['listed']:>9,} {full['p50']:>9.1f} {full['p95']:>9.1f}"
                f" {ratio:>7.2f}"
            )
            print(
                f"{'  baseline':<44} {base['listed']:>9,} {base['p50']:>9.1f} {base['p95']:>9.1f}"
            )


if __name__ == "__main__":
    main()
