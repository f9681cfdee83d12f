"""Benchmark of the upload pipeline: a 500,000-row TO Ganti Meter Ex DG upload on PostgreSQL.

Run:  flock /tmp/meterops-bench.lock .venv/bin/python bench/bench_imports.py
      [--rows 500000] [--baseline-rows 20000]
      [--database-url postgres://postgres@127.0.0.1:5432/meterops_bench_imports]

In a fresh database (dropped and created here, migrated, demo region built) it writes
``--rows`` demo customers (``generate_customers``, COPY) and one .xlsx TO file with a row for
each (IDPEL, JENIS_KERUSAKAN, STAN_SAAT_DITEMUKAN, KOORDINAT_X, KOORDINAT_Y, KETERANGAN).

1. Pipeline, end to end, in a separate worker process as in production: keep the file with its
   hash (``create_upload``), check it (calamine and column-wise cell conversion in the worker's
   main thread; scope rule, classify and COPY into the staging table on two writer threads with
   their own connections) and apply it (``start_apply`` + ``apply_upload``: two threads claim
   the batches; per batch one statement whose data-modifying CTEs insert core_process,
   replacement_replacementtarget and core_processevent with the target ids the check
   reserved). Wall time, rows/s and the worker's peak RSS (ru_maxrss).
2. Baseline, in this process on the first ``--baseline-rows`` rows of the same file (the full
   file would take too long): django-import-export's documented ModelResource import with
   ``use_bulk=True`` (plus its documented speed-ups ``force_init_instance`` and
   ``skip_diff``), a ``ForeignKeyWidget`` for IDPEL and damage type, the processes the targets
   need created in bulk in ``before_import``. Read with tablib from the same .xlsx.

Prints both rates and the ratio pipeline / baseline (rows per second). The database is dropped
at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchdb import throwaway_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/meterops_bench_imports"
SEED = 2026
HEADERS = [
    "IDPEL",
    "JENIS_KERUSAKAN",
    "STAN_SAAT_DITEMUKAN",
    "KOORDINAT_X",
    "KOORDINAT_Y",
    "KETERANGAN",
]


def write_file(path: Path, ids: list[str], damages: list[str]) -> None:
    from openpyxl import Workbook

    rng = random.Random(SEED)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Data")
    sheet.append(HEADERS)
    for customer_id in ids:
        sheet.append(
            [
                customer_id,
                rng.choice(damages),
                round(rng.uniform(0, 99999), 1),
                round(107 + rng.random(), 6),
                round(-7 + rng.random(), 6),
                "display mati" if rng.random() < 0.5 else "",
            ]
        )
    workbook.save(path)


def worker(upload_id: int) -> None:
    """The worker's part, in its own process: check then apply (what the two tasks run)."""
    import django

    django.setup()
    from collections import defaultdict

    from django.db import connection

    spent: dict[str, float] = defaultdict(float)

    def timed(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[" ".join(sql.split()[:4])[:60]] += time.perf_counter() - began

    started = time.perf_counter()
    with connection.execute_wrapper(timed):
        if os.environ.get("BENCH_PROFILE"):  # cProfile of the worker, for finding the time
            import cProfile

            cProfile.runctx(
                "_check_and_apply(upload_id, started)",
                globals(),
                {"upload_id": upload_id, "started": started},
                os.environ["BENCH_PROFILE"],
            )
        else:
            _check_and_apply(upload_id, started)
    print("  statements on the main thread's connection (the worker threads have their own):")
    for statement, seconds in sorted(spent.items(), key=lambda kv: -kv[1])[:8]:
        print(f"    {seconds:6.2f} s  {statement}")


def _check_and_apply(upload_id: int, started: float) -> None:
    from meterops.imports import services
    from meterops.imports.models import Upload

    upload = services.check_upload(upload_id=upload_id)
    checked = time.perf_counter() - started
    print(f"  (apply workers: {services.apply_workers()})")
    services.start_apply(upload=upload, actor=upload.uploaded_by)
    upload = services.apply_upload(upload_id=upload_id)
    upload = Upload.objects.get(pk=upload_id)
    print(
        f"  worker: check {checked:.1f} s, apply {time.perf_counter() - started - checked:.1f} s;"
        f" state {upload.state}, new {upload.new_rows:,}, rejected {upload.rejected_rows:,}"
    )


def run_pipeline(path: Path, user, template: str = "to-ex-dg") -> tuple[float, int]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from meterops.imports import services
    from meterops.imports.registry import get_template

    started = time.perf_counter()
    upload = services.create_upload(
        actor=user,
        template=get_template(template),
        upload_file=SimpleUploadedFile(path.name, path.read_bytes()),
    )
    subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--worker", str(upload.pk)], check=True, env=os.environ
    )
    elapsed = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, peak_kb


def run_baseline(path: Path, user, rows: int) -> float:
    import tablib
    from django.utils import timezone
    from import_export import fields, resources, widgets
    from openpyxl import load_workbook

    from meterops.core.models import Process
    from meterops.customers.models import Customer
    from meterops.replacement.models import DamageType, ReplacementTarget

    class TargetResource(resources.ModelResource):
        customer = fields.Field(
            attribute="customer",
            column_name="IDPEL",
            widget=widgets.ForeignKeyWidget(Customer, "customer_id"),
        )
        damage_type = fields.Field(
            attribute="damage_type",
            column_name="JENIS_KERUSAKAN",
            widget=widgets.ForeignKeyWidget(DamageType, "name"),
        )
        reading_at_discovery = fields.Field(
            attribute="reading_at_discovery",
            column_name="STAN_SAAT_DITEMUKAN",
            widget=widgets.DecimalWidget(),
        )
        longitude = fields.Field(
            attribute="longitude", column_name="KOORDINAT_X", widget=widgets.DecimalWidget()
        )
        latitude = fields.Field(
            attribute="latitude", column_name="KOORDINAT_Y", widget=widgets.DecimalWidget()
        )
        notes = fields.Field(attribute="notes", column_name="KETERANGAN")

        class Meta:
            model = ReplacementTarget
            fields = (
                "customer",
                "damage_type",
                "reading_at_discovery",
                "longitude",
                "latitude",
                "notes",
            )
            import_id_fields = ()
            use_bulk = True
            batch_size = 5000
            force_init_instance = True
            skip_diff = True

        def before_import(self, dataset, **kwargs):
            ids = list(dataset["IDPEL"])
            customers = Customer.objects.filter(customer_id__in=ids).values_list("pk", "unit_id")
            now = timezone.now()
            made = Process.objects.bulk_create(
                [
                    Process(
                        customer_id=pk,
                        unit_id=unit_id,
                        domain="replacement",
                        kind="Target ganti meter",
                        state="submitted",
                        opened_at=now,
                    )
                    for pk, unit_id in customers
                ],
                batch_size=5000,
            )
            self.process_of = {p.customer_id: p for p in made}

        def before_save_instance(self, instance, row, **kwargs):
            process = self.process_of[instance.customer_id]
            instance.process_id, instance.unit_id = process.pk, process.unit_id
            instance.source, instance.reported_by_id = "fault", user.pk

    started = time.perf_counter()
    sheet = load_workbook(path, read_only=True).active
    lines = sheet.iter_rows(values_only=True)
    header = list(next(lines))
    data = tablib.Dataset(headers=header)
    for index, line in enumerate(lines):
        if index >= rows:
            break
        data.append(["" if v is None else str(v) for v in line])
    result = TargetResource().import_data(data, dry_run=False, raise_errors=True)
    elapsed = time.perf_counter() - started
    assert not result.has_errors()
    assert ReplacementTarget.objects.count() == rows, ReplacementTarget.objects.count()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--baseline-rows", type=int, default=20_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
        worker(args.worker)
        return

    with throwaway_database(args.database_url), tempfile.TemporaryDirectory() as tmp:
        from django.conf import settings
        from django.db import connection

        from meterops.core.demo import build_region
        from meterops.core.models import User
        from meterops.customers.demo import generate_customers
        from meterops.customers.models import Customer
        from meterops.replacement.models import DamageType

        settings.MEDIA_ROOT = tmp
        os.environ["MEDIA_ROOT"] = tmp
        started = time.perf_counter()
        units = build_region()
        generate_customers(units=units, count=args.rows, seed=SEED)
        print(f"{args.rows:,} customers: {time.perf_counter() - started:.1f} s")
        path = Path(tmp) / "to-ex-dg.xlsx"
        started = time.perf_counter()
        ids = list(Customer.objects.order_by("pk").values_list("customer_id", flat=True))
        write_file(path, ids, list(DamageType.objects.values_list("name", flat=True)))
        print(
            f"file: {len(ids):,} rows, {path.stat().st_size / 1048576:.1f} MB, written in "
            f"{time.perf_counter() - started:.1f} s"
        )
        user = User.objects.get(username="admin")

        print(f"baseline: django-import-export, use_bulk=True, first {args.baseline_rows:,} rows")
        base_s = run_baseline(path, user, args.baseline_rows)
        base_rate = args.baseline_rows / base_s
        print(f"  {base_s:.1f} s, {base_rate:,.0f} rows/s")
        with connection.cursor() as cursor:  # start the pipeline from the same empty state
            cursor.execute("DELETE FROM replacement_replacementtarget")
            cursor.execute("DELETE FROM core_process")
            cursor.execute("VACUUM ANALYZE")

        print(f"pipeline: {args.rows:,} rows, check + apply in a worker process")
        elapsed, peak_kb = run_pipeline(path, user)
        rate = args.rows / elapsed
        print(
            f"  end to end {elapsed:.1f} s, {rate:,.0f} rows/s, worker peak RSS "
            f"{peak_kb / 1024:.0f} MB"
        )
        from meterops.replacement.models import ReplacementTarget

        made = ReplacementTarget.objects.count()
        print(f"  {made:,} targets created")
        print(f"ratio pipeline / django-import-export (rows/s): {rate / base_rate:.1f}x")


if __name__ == "__main__":
    main()
