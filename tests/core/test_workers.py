"""A run_worker's heartbeat: registered at start with the dead workers' work resumed, kept
fresh, dropped for dead workers and deleted at a clean stop."""

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from meterops.core import workers
from meterops.core.models import WorkerHeartbeat


def _stale(worker_id):
    then = timezone.now() - timedelta(hours=1)
    WorkerHeartbeat.objects.create(
        worker_id=worker_id, hostname="h", pid=1, backend="db", started_at=then, seen_at=then
    )


class HeartbeatTests:
    def test_start_registers_resumes_and_stop_deletes(self, db, settings, monkeypatch):
        settings.WORKER_HEARTBEAT_SECONDS = 60
        resumed = []
        monkeypatch.setitem(workers.RESUMERS, "test", lambda: resumed.append(1) or 1)
        heartbeat = workers.Heartbeat(worker_id="w-start", backend="db")
        heartbeat.start()
        try:
            row = WorkerHeartbeat.objects.get()
            assert (row.worker_id, row.backend) == ("w-start", "db")
            assert workers.current_worker_id() == "w-start" and resumed == [1]
        finally:
            heartbeat.stop()
        assert not WorkerHeartbeat.objects.exists() and workers.current_worker_id() == ""

    def test_start_drops_the_dead_workers_rows_after_resuming_their_work(
        self, db, settings, monkeypatch
    ):
        # A worker that finishes the resumed work before its first beat must not leave the dead
        # worker's row behind (the CI failure of stop 30: the row outlived both workers).
        settings.WORKER_HEARTBEAT_SECONDS = 60
        _stale("dead")
        seen_by_resumer = []
        monkeypatch.setitem(
            workers.RESUMERS,
            "test",
            lambda: seen_by_resumer.append(WorkerHeartbeat.objects.filter(pk="dead").exists()),
        )
        heartbeat = workers.Heartbeat(worker_id="w-start", backend="db")
        heartbeat.start()
        try:
            assert seen_by_resumer == [True]
            assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["w-start"]
        finally:
            heartbeat.stop()

    def test_a_beat_refreshes_its_row_and_drops_dead_ones(self, db, settings):
        settings.WORKER_HEARTBEAT_SECONDS = 10
        _stale("dead")
        _stale("w-beat")
        workers.Heartbeat(worker_id="w-beat", backend="db").beat()
        row = WorkerHeartbeat.objects.get()
        assert row.worker_id == "w-beat" and timezone.now() - row.seen_at < timedelta(seconds=5)

    def test_a_broken_resumer_does_not_stop_the_others(self, db, monkeypatch):
        def broken():
            raise RuntimeError("boom")

        monkeypatch.setitem(workers.RESUMERS, "broken", broken)
        monkeypatch.setitem(workers.RESUMERS, "fine", lambda: 2)
        resumed = workers.resume_interrupted_work()
        assert "broken" not in resumed and resumed["fine"] == 2


class RunWorkerTests:
    def test_runs_the_queued_task_and_leaves_no_heartbeat(self, transactional_db, settings):
        from django_tasks_db.models import DBTaskResult

        from meterops.keychange.tasks import generate_campaign_task

        settings.TASKS = {
            "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
        }
        generate_campaign_task.enqueue(0)  # no such campaign: the task fails, the worker goes on
        call_command("run_worker", "--max-tasks", "1", "--interval", "0")
        assert DBTaskResult.objects.get().status == "FAILED"
        assert not WorkerHeartbeat.objects.exists()
