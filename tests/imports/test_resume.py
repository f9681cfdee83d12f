"""An upload that fails half-way keeps whole batches only and resumes without duplicates."""

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from meterops.core.models import Process, ProcessEvent
from meterops.imports import services
from meterops.imports.models import Upload, UploadState
from meterops.imports.registry import TEMPLATES
from meterops.replacement.models import ReplacementTarget
from tests.factories import CustomerFactory, MeterFactory

from .conftest import checked, hold_open_process, xlsx

ROOT = Path(__file__).resolve().parents[2]


def _file(customers, damage):
    return xlsx([[c.customer_id, damage.name, "", "", "", ""] for c in customers])


class KilledMidBatchTests:
    def test_failure_in_a_batch_keeps_earlier_batches_and_resumes(
        self, cast, damage_type, settings, monkeypatch
    ):
        settings.IMPORT_BATCH_SIZE = 2
        customers = [CustomerFactory(unit=cast.sp_a) for _ in range(5)]
        upload = checked(cast.supervisor, "to-ex-dg", _file(customers, damage_type))
        assert upload.batches_total == 3
        template = TEMPLATES["to-ex-dg"]

        def dies_in_second_batch(*, upload, batch, actor):
            template.apply(upload=upload, batch=batch, actor=actor)  # writes the whole batch
            if batch == 1:
                raise RuntimeError("worker mati")

        monkeypatch.setitem(
            TEMPLATES, "to-ex-dg", dataclasses.replace(template, apply=dies_in_second_batch)
        )
        services.start_apply(upload=upload, actor=cast.supervisor)
        with pytest.raises(RuntimeError):
            services.apply_upload(upload_id=upload.pk)
        upload.refresh_from_db()
        assert upload.state == UploadState.FAILED and upload.batches_applied == 1
        assert "batch 2" in upload.error
        assert ReplacementTarget.objects.count() == Process.objects.count() == 2  # batch 0 only

        monkeypatch.setitem(TEMPLATES, "to-ex-dg", template)
        services.start_apply(upload=upload, actor=cast.supervisor)
        upload = services.apply_upload(upload_id=upload.pk)
        assert upload.state == UploadState.APPLIED and upload.new_rows == 5
        assert ReplacementTarget.objects.count() == Process.objects.count() == 5
        assert ProcessEvent.objects.filter(verb="replacement.opened").count() == 5
        assert sorted(ReplacementTarget.objects.values_list("customer_id", flat=True)) == sorted(
            c.pk for c in customers
        )


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres") is False,
    reason="a real worker process killed mid-batch needs PostgreSQL (a second connection)",
)
@pytest.mark.django_db(transaction=True)
class RealWorkerKilledTests:
    def test_sigkill_mid_batch_leaves_nothing_of_the_batch_and_rerun_completes(
        self, damage_type, settings, tmp_path
    ):
        from tests.conftest import build_cast

        cast = build_cast()
        settings.IMPORT_BATCH_SIZE = 3
        customers = [CustomerFactory(unit=cast.sp_a) for _ in range(6)]
        for customer in customers:
            MeterFactory(customer=customer)
        upload = checked(cast.supervisor, "to-ex-dg", _file(customers, damage_type))
        services.start_apply(upload=upload, actor=cast.supervisor)
        blocker = customers[5]  # last row of the second batch
        env = {
            **os.environ,
            "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
                **connection.settings_dict
            ),
            "IMPORT_BATCH_SIZE": "3",
            "DEBUG": "1",
        }
        # Hold an uncommitted open process for the blocker: the worker's INSERT of batch 2
        # waits on it after writing the batch's other rows, and is killed right there.
        holder = hold_open_process(blocker)
        code = (
            "from meterops.imports.services import apply_upload; "
            f"apply_upload(upload_id={upload.pk})"
        )
        worker = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "manage.py",
                "shell",
                "-c",
                code,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 120
            # Two apply threads take the batches at once: kill only once batch 1 is committed
            # and batch 2 waits on the held row, or the kill may also catch batch 1 unfinished.
            while time.monotonic() < deadline:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock'"
                        " AND query LIKE '%%INSERT INTO core_process%%'"
                    )
                    waiting = cursor.fetchone()[0]
                if waiting and upload.batches_applied == 1:
                    break
                time.sleep(0.2)
            else:
                pytest.fail("the worker never reached the second batch")
            worker.send_signal(signal.SIGKILL)
            worker.wait()
        finally:
            holder.rollback()
            holder.close()
        upload.refresh_from_db()
        assert upload.batches_applied == 1 and upload.state == UploadState.APPLYING
        assert ReplacementTarget.objects.count() == Process.objects.count() == 3
        upload = services.apply_upload(upload_id=upload.pk)
        assert upload.state == UploadState.APPLIED
        assert ReplacementTarget.objects.count() == Process.objects.count() == 6
        assert Upload.objects.get().new_rows == 6


class CheckBreaksDownTests:
    def test_a_check_that_breaks_fails_the_upload_and_leaves_no_rows(
        self, cast, damage_type, settings, monkeypatch
    ):
        settings.IMPORT_BATCH_SIZE = 2
        customers = [CustomerFactory(unit=cast.sp_a) for _ in range(5)]
        original = TEMPLATES["to-ex-dg"]
        calls = []

        def breaks_on_second_chunk(rows, *, actor, template):
            calls.append(len(rows))
            if len(calls) == 2:
                raise RuntimeError("disk penuh")
            original.classify(rows, actor=actor, template=template)

        monkeypatch.setitem(
            TEMPLATES, "to-ex-dg", dataclasses.replace(original, classify=breaks_on_second_chunk)
        )
        with pytest.raises(RuntimeError, match="disk penuh"):
            checked(cast.supervisor, "to-ex-dg", _file(customers, damage_type))
        upload = Upload.objects.get()
        assert upload.state == UploadState.FAILED
        assert "kesalahan sistem (RuntimeError)" in upload.error
        assert not upload.rows.exists() and not upload.batches.exists()
