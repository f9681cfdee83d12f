"""Benchmark of the demo data seed: N customers (each with a current meter) on PostgreSQL.

Run:  .venv/bin/python bench/bench_seed_demo.py [--customers 1000000] [--baseline-customers 50000]

In a fresh database (dropped and created here, migrated, demo region built) it times two
ways of writing the same generated rows, one after the other in this process, each into
empty customer, meter, RBM and gardu tables:

- baseline: ``generate_customers`` with its writer swapped for the obvious ORM one, which
  builds ``Customer`` and ``Meter`` instances from the generated tuples and saves them
  with ``bulk_create(batch_size=...)``; ``--baseline-customers`` customers;
- the real path: ``generate_customers`` as ``seed_demo`` calls it (COPY), ``--customers``.

Both timings cover generating the rows and writing them, and are reported as customers/s,
rows/s (a customer and its meter are two rows) and the ratio of the two rates.  The
requirement is one million customers in under 2 minutes; the verdict adds the time of
``build_region`` (once, before both runs) as ``seed_demo`` would.  Peak RSS is the
process's high-water mark, reached in the larger run.  The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import resource
import time
from unittest import mock

from benchdb import throwaway_database

TARGET_SECONDS = 120
SEED = 2026


def empty_customer_tables() -> None:
    from django.db import connection

    from meterops.customers.models import Customer, Meter, Route, Substation

    tables = ", ".join(m._meta.db_table for m in (Meter, Customer, Route, Substation))
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def orm_writer(batch_size: int):
    """A stand-in for ``demo._write``: model instances from the tuples, then bulk_create."""
    from meterops.customers.models import Customer, Meter

    models = {model._meta.db_table: model for model in (Customer, Meter)}

    def write(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        model = models[table]
        objects = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        model.objects.bulk_create(objects, batch_size=batch_size)

    return write


def timed_seed(units, count: int, writer=None) -> float:
    from meterops.customers import demo

    empty_customer_tables()
    started = time.perf_counter()
    with mock.patch.object(demo, "_write", writer or demo._write):
        made = demo.generate_customers(units=units, count=count, seed=SEED)
    elapsed = time.perf_counter() - started
    assert made == count, (made, count)
    return elapsed


def report(label: str, count: int, seconds: float) -> float:
    rate = count / seconds
    print(
        f"{label:<34} {count:>9,} customers {seconds:8.1f} s "
        f"{rate:>9,.0f} customers/s {2 * rate:>9,.0f} rows/s"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--baseline-customers", type=int, default=50_000)
    parser.add_argument("--batch-size", type=int, default=5_000, help="ORM bulk_create batch")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/meterops_bench"
    )
    args = parser.parse_args()

    with throwaway_database(args.database_url):
        from meterops.core.demo import build_region
        from meterops.customers.models import Customer, Meter

        started = time.perf_counter()
        units = build_region()
        region_seconds = time.perf_counter() - started
        print(f"build_region: {region_seconds:.1f} s")

        baseline = timed_seed(units, args.baseline_customers, orm_writer(args.batch_size))
        orm_rate = report(
            f"ORM bulk_create (batch {args.batch_size:,})", args.baseline_customers, baseline
        )
        seconds = timed_seed(units, args.customers)
        copy_rate = report("generate_customers (COPY)", args.customers, seconds)
        assert Customer.objects.count() == Meter.objects.count() == args.customers

        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        total = region_seconds + seconds
        verdict = "under" if total < TARGET_SECONDS else "NOT under"
        print(f"ratio COPY path / ORM bulk_create: {copy_rate / orm_rate:.1f}x")
        print(
            f"seed_demo equivalent (region + customers): {total:.1f} s, "
            f"{verdict} {TARGET_SECONDS} s"
        )
        print(f"peak RSS: {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
