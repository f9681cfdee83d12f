"""The background worker systemd and the single-machine script run: the configured task
backend's worker (django_tasks_db's or RQ's) in this process, with a heartbeat and the resume of
the work dead workers left (meterops.core.workers).

SIGTERM (systemd's stop) lets the running task finish: uploads and campaigns stop after their
current batch, and the next worker resumes them. A second SIGTERM or a SIGKILL abandons the
task; its batch's transaction is rolled back, and another worker resumes it once this worker's
heartbeat is stale.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string

from meterops.core.workers import Heartbeat, request_stop


def _backend() -> str:
    return settings.TASKS["default"]["BACKEND"]


def _is_rq() -> bool:
    return _backend().startswith("django_tasks_rq.")


class Command(BaseCommand):
    help = "Run a background worker of the configured task backend, with its heartbeat."

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue-name", default="default", help="Queues to work on, comma-separated."
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Database backend: seconds between looks at an empty queue.",
        )
        parser.add_argument(
            "--max-tasks", type=int, default=None, help="Stop after this many tasks."
        )
        parser.add_argument(
            "--worker-id", default="", help="Unique in the pool (default: a random one)."
        )

    def handle(self, *, queue_name, interval, max_tasks, worker_id, **options):
        worker_id = worker_id or get_random_string(32)
        queues = [name for name in queue_name.split(",") if name]
        heartbeat = Heartbeat(worker_id=worker_id, backend=_backend())
        heartbeat.start()
        try:
            if _is_rq():
                _run_rq(queues, worker_id=worker_id, max_tasks=max_tasks)
            else:
                _run_database(queues, worker_id=worker_id, interval=interval, max_tasks=max_tasks)
        finally:
            heartbeat.stop()


def _run_database(queues, *, worker_id, interval, max_tasks) -> None:
    from django_tasks_db.management.commands.db_worker import Worker

    class StoppingWorker(Worker):
        def shutdown(self, signum, frame) -> None:
            request_stop()
            super().shutdown(signum, frame)

    worker = StoppingWorker(
        queue_names=queues,
        interval=interval,
        batch=False,
        backend_name="default",
        startup_delay=True,
        max_tasks=max_tasks,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    worker.configure_signals()
    worker.run()


def _run_rq(queues, *, worker_id, max_tasks) -> None:
    import django_rq
    from rq.worker import SimpleWorker

    # In this process, not a forked child per job: a SIGKILL takes the job down with the
    # worker, and the job sees this worker's id and stop request.
    class StoppingWorker(SimpleWorker):
        def request_stop(self, signum, frame) -> None:
            request_stop()
            super().request_stop(signum, frame)

    worker = django_rq.get_worker(
        *queues,
        worker_class=StoppingWorker,
        job_class="django_tasks_rq.backend.Job",
        name=worker_id,
    )
    worker.work(max_jobs=max_tasks)
