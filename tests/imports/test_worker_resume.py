"""An upload whose worker died is queued again at once, exactly once (issue #21): a worker's
heartbeat stopping, not 15 minutes without progress, hands its check or apply to another."""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from meterops.core import workers
from meterops.core.models import Process, WorkerHeartbeat
from meterops.imports import recovery, services
from meterops.imports.models import Upload, UploadState
from meterops.replacement.models import ReplacementTarget
from tests.factories import CustomerFactory, MeterFactory

from .conftest import checked, hold_open_process, xlsx

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")


def _file(customers, damage):
    return xlsx([[c.customer_id, damage.name, "", "", "", ""] for c in customers])


def _beat(worker_id, *, seconds_ago=0):
    seen = timezone.now() - timedelta(seconds=seconds_ago)
    WorkerHeartbeat.objects.create(
        worker_id=worker_id, hostname="h", pid=1, backend="db", started_at=seen, seen_at=seen
    )


def _held_by(upload, worker_id, state=UploadState.APPLYING):
    Upload.objects.filter(pk=upload.pk).update(state=state, worker_id=worker_id)


@pytest.fixture
def upload(cast, damage_type, settings):
    settings.IMPORT_BATCH_SIZE = 2
    customers = [CustomerFactory(unit=cast.sp_a) for _ in range(5)]
    return checked(cast.supervisor, "to-ex-dg", _file(customers, damage_type))


class ResumeInterruptedUploadsTests:
    def test_an_apply_of_a_dead_worker_is_queued_again_once(
        self, upload, enqueued, django_capture_on_commit_callbacks
    ):
        _held_by(upload, "dead")
        with django_capture_on_commit_callbacks(execute=True):
            assert recovery.resume_interrupted_uploads() == 1
            assert recovery.resume_interrupted_uploads() == 0
        assert enqueued == ["apply_upload_task"]
        upload.refresh_from_db()
        assert upload.state == UploadState.APPLYING and upload.worker_id == ""

    def test_a_check_of_a_dead_worker_starts_over(
        self, upload, enqueued, django_capture_on_commit_callbacks
    ):
        _held_by(upload, "dead", UploadState.CHECKING)
        with django_capture_on_commit_callbacks(execute=True):
            assert recovery.resume_interrupted_uploads() == 1
        assert enqueued == ["check_upload_task"]

    def test_a_stale_heartbeat_is_a_dead_worker(self, upload, settings):
        settings.WORKER_HEARTBEAT_SECONDS = 10
        _beat("silent", seconds_ago=31)
        _held_by(upload, "silent")
        assert recovery.resume_interrupted_uploads() == 1

    def test_an_upload_of_a_live_worker_is_left_alone(self, upload, settings, enqueued):
        settings.WORKER_HEARTBEAT_SECONDS = 10
        _beat("alive", seconds_ago=25)
        _held_by(upload, "alive")
        assert recovery.resume_interrupted_uploads() == 0
        upload.refresh_from_db()
        assert upload.worker_id == "alive" and enqueued == []

    def test_an_upload_whose_task_waits_in_the_queue_is_left_alone(self, upload, enqueued):
        _held_by(upload, "")
        assert recovery.resume_interrupted_uploads() == 0
        assert enqueued == []

    def test_finished_and_failed_uploads_are_left_alone(self, upload):
        _held_by(upload, "dead", UploadState.CHECKED)
        assert recovery.resume_interrupted_uploads() == 0

    def test_the_worker_registry_runs_it(self, upload):
        _held_by(upload, "dead")
        assert workers.resume_interrupted_work()["imports"] == 1


class WorkerRecordedTests:
    def test_check_and_apply_record_the_worker_running_them(self, upload, cast, monkeypatch):
        monkeypatch.setattr(services, "current_worker_id", lambda: "w-apply")
        services.start_apply(upload=upload, actor=cast.supervisor)
        assert Upload.objects.get(pk=upload.pk).worker_id == ""  # queued: no worker yet
        services.apply_upload(upload_id=upload.pk)
        assert Upload.objects.get(pk=upload.pk).worker_id == "w-apply"

    def test_a_worker_asked_to_stop_leaves_the_rest_for_the_next(self, upload, cast, monkeypatch):
        asked = iter([False, True])
        monkeypatch.setattr(services, "stop_requested", lambda: next(asked, True))
        monkeypatch.setattr(services, "current_worker_id", lambda: "stopping")
        services.start_apply(upload=upload, actor=cast.supervisor)
        upload = services.apply_upload(upload_id=upload.pk)
        assert upload.state == UploadState.APPLYING and upload.batches_applied == 1
        assert recovery.resume_interrupted_uploads() == 1  # its heartbeat is gone
        monkeypatch.setattr(services, "stop_requested", lambda: False)
        upload = services.apply_upload(upload_id=upload.pk)
        assert upload.state == UploadState.APPLIED and upload.new_rows == 5
        assert ReplacementTarget.objects.count() == Process.objects.count() == 5


@pytest.mark.skipif(not POSTGRES, reason="two connections locking one row need PostgreSQL")
@pytest.mark.django_db(transaction=True)
class ConcurrentResumeTests:
    def test_two_workers_resuming_at_once_queue_it_once(
        self, damage_type, settings, enqueued, monkeypatch
    ):
        from tests.conftest import build_cast

        cast = build_cast()
        settings.IMPORT_BATCH_SIZE = 2
        customers = [CustomerFactory(unit=cast.sp_a) for _ in range(3)]
        upload = checked(cast.supervisor, "to-ex-dg", _file(customers, damage_type))
        _held_by(upload, "dead")
        both_found_it = threading.Barrier(2)
        resume = recovery._resume

        def after_both_found_it(orphan):
            both_found_it.wait(timeout=10)
            return resume(orphan)

        counts = []

        def resumer():
            try:
                counts.append(recovery.resume_interrupted_uploads())
            finally:
                connection.close()

        monkeypatch.setattr(recovery, "_resume", after_both_found_it)
        threads = [threading.Thread(target=resumer) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(counts) == [0, 1]
        assert enqueued == ["apply_upload_task"]


def _wait_for(condition, seconds, message):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(message)


@pytest.mark.skipif(not POSTGRES, reason="a real worker process needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
class RunWorkerKilledTests:
    def test_a_killed_worker_s_upload_is_finished_by_the_next_worker_once(
        self, damage_type, settings
    ):
        from tests.conftest import build_cast

        cast = build_cast()
        customers = [CustomerFactory(unit=cast.sp_a) for _ in range(9)]
        for customer in customers:
            MeterFactory(customer=customer)
        env = {
            **os.environ,
            "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
                **connection.settings_dict
            ),
            "IMPORT_BATCH_SIZE": "3",
            "IMPORT_APPLY_WORKERS": "1",
            "WORKER_HEARTBEAT_SECONDS": "0.5",
            "DEBUG": "1",
        }
        settings.IMPORT_BATCH_SIZE = 3
        upload = checked(cast.supervisor, "to-ex-dg", _file(customers, damage_type))
        assert upload.batches_total == 3
        # An uncommitted open process of a customer of the second batch: the first worker's
        # INSERT of that batch waits on it, after the first batch is committed.
        holder = hold_open_process(customers[4])
        command = [sys.executable, "manage.py", "run_worker", "--interval", "0.2"]
        first = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603
        second = None
        try:
            services.start_apply(upload=upload, actor=cast.supervisor)

            def first_batch_in_and_second_waiting() -> bool:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname ="
                        " current_database() AND wait_event_type = 'Lock'"
                        " AND query LIKE '%%INSERT INTO core_process%%'"
                    )
                    waiting = cursor.fetchone()[0]
                return bool(waiting) and upload.batches_applied == 1

            _wait_for(first_batch_in_and_second_waiting, 60, "the worker never reached batch 2")
            first.send_signal(signal.SIGKILL)
            first.wait()
            holder.rollback()
            upload.refresh_from_db()
            assert upload.state == UploadState.APPLYING and upload.worker_id
            second = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603

            def applied() -> bool:
                return Upload.objects.get(pk=upload.pk).state == UploadState.APPLIED

            _wait_for(applied, 60, "the second worker did not finish the upload")
        finally:
            holder.rollback()
            holder.close()
            for worker in (first, second):
                if worker is not None and worker.poll() is None:
                    worker.terminate()
                    worker.wait(timeout=30)
        upload.refresh_from_db()
        assert upload.new_rows == 9 and upload.batches_applied == 3
        assert ReplacementTarget.objects.count() == Process.objects.count() == 9
        assert sorted(ReplacementTarget.objects.values_list("customer_id", flat=True)) == sorted(
            c.pk for c in customers
        )
        # The first worker's heartbeat was dropped as dead; the second, stopped by SIGTERM,
        # deleted its own.
        assert second.returncode == 0 and not WorkerHeartbeat.objects.exists()


@pytest.mark.skipif(not POSTGRES, reason="real worker processes need PostgreSQL")
@pytest.mark.django_db(transaction=True)
class TwoWorkersOneQueueTests:
    """More workers for more throughput (docs/SCALE.md): two on one queue, and each job runs
    once, by one of them."""

    def test_an_upload_and_a_campaign_are_each_taken_once(self, damage_type, settings):
        from django_tasks_db.models import DBTaskResult

        from meterops.keychange.choices import GenerationStatus
        from meterops.keychange.models import Campaign
        from meterops.keychange.services import (
            CampaignFilter,
            plan_campaign,
            start_campaign_generation,
        )
        from tests.conftest import build_cast
        from tests.keychange.helpers import old_key_meter, prepare_keys

        settings.TASKS = {
            "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
        }
        cast = build_cast()
        customers = [CustomerFactory(unit=cast.sp_a) for _ in range(9)]
        for customer in customers:
            MeterFactory(customer=customer)
        settings.IMPORT_BATCH_SIZE = 3
        upload = checked(cast.supervisor, "to-ex-dg", _file(customers, damage_type))
        prepare_keys(cast)
        for _ in range(4):
            old_key_meter(cast.sp_a)
        campaign = plan_campaign(
            actor=cast.unit_admin, unit=cast.area_a, name="DUA PEKERJA", where=CampaignFilter()
        )
        env = {
            **os.environ,
            "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
                **connection.settings_dict
            ),
            "IMPORT_BATCH_SIZE": "3",
            "WORKER_HEARTBEAT_SECONDS": "0.5",
            "DEBUG": "1",
        }
        command = [sys.executable, "manage.py", "run_worker", "--interval", "0.1"]
        workers = [subprocess.Popen(command, cwd=ROOT, env=env) for _ in range(2)]  # noqa: S603
        try:
            _wait_for(lambda: WorkerHeartbeat.objects.count() == 2, 60, "two workers never beat")
            services.start_apply(upload=upload, actor=cast.supervisor)
            start_campaign_generation(campaign=campaign)

            def both_done() -> bool:
                return (
                    Upload.objects.get(pk=upload.pk).state == UploadState.APPLIED
                    and Campaign.objects.get(pk=campaign.pk).generation_status
                    == GenerationStatus.DONE
                )

            _wait_for(both_done, 90, "the two jobs did not finish")
        finally:
            for worker in workers:
                worker.terminate()
                worker.wait(timeout=30)
        runs = DBTaskResult.objects.filter(task_path__endswith="apply_upload_task")
        fills = DBTaskResult.objects.filter(task_path__endswith="generate_campaign_task")
        for results in (runs, fills):
            assert results.count() == 1
            assert results.get().status == "SUCCESSFUL" and len(results.get().worker_ids) == 1
        replacements = Process.objects.filter(domain="replacement")
        assert ReplacementTarget.objects.count() == replacements.count() == 9
        assert campaign.targets.count() == 4
        assert all(worker.returncode == 0 for worker in workers)
