"""Background workers: which are alive (their heartbeats), and the work a dead one left behind.

``manage.py run_worker`` registers a heartbeat and refreshes it from a thread. At its start and
at every beat it asks each domain to resume what workers without a fresh heartbeat were running.
A domain registers its resumer with ``register_resumer(name, function)`` in its
AppConfig.ready(): the function queues that work again, exactly once, and returns how many it
queued. A task records the worker running it with ``current_worker_id()``; a worker asked to stop
sets ``stop_requested()``, which long tasks read between batches.
"""

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

RESUMERS: dict[str, Callable[[], int]] = {}
# Beats a worker may miss (a slow database, a busy host) before its work is taken from it.
MISSED_BEATS = 3

_current = {"worker_id": ""}
_stopping = threading.Event()


def register_resumer(name: str, resumer: Callable[[], int]) -> None:
    RESUMERS[name] = resumer


def current_worker_id() -> str:
    """The run_worker this process is; empty in the web, the tests and a bare db_worker, whose
    tasks only the time-based stall check recovers."""
    return _current["worker_id"]


def stop_requested() -> bool:
    return _stopping.is_set()


def request_stop() -> None:
    _stopping.set()


def dead_after() -> timedelta:
    return timedelta(seconds=settings.WORKER_HEARTBEAT_SECONDS * MISSED_BEATS)


def live_worker_ids():
    """The ids of workers with a heartbeat fresher than ``dead_after()``, as a subquery."""
    fresh = timezone.now() - dead_after()
    return WorkerHeartbeat.objects.filter(seen_at__gte=fresh).values("worker_id")


def resume_interrupted_work() -> dict[str, int]:
    """Run every domain's resumer; one that breaks is logged and the others still run."""
    resumed = {}
    for name, resumer in RESUMERS.items():
        try:
            resumed[name] = resumer()
        except Exception:
            logger.exception("resuming %s failed", name)
    return resumed


def take_over_from_dead_workers() -> None:
    """Resume the work of workers without a fresh heartbeat, then drop their rows.

    At a worker's start as at each beat: a worker that finishes the resumed work before its
    first beat leaves no dead row behind. A row gone stale between the two steps is dropped
    with its work not yet resumed; having no row, that worker is not live, so the next beat
    resumes it.
    """
    resume_interrupted_work()
    WorkerHeartbeat.objects.filter(seen_at__lt=timezone.now() - dead_after()).delete()


class Heartbeat:
    """This process's heartbeat row and the thread that keeps it fresh (its own connection)."""

    def __init__(self, *, worker_id: str, backend: str):
        self.worker_id, self.backend = worker_id, backend
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def start(self) -> None:
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "backend": self.backend,
                "started_at": now,
                "seen_at": now,
            },
        )
        _current["worker_id"] = self.worker_id
        _stopping.clear()
        take_over_from_dead_workers()
        self.thread.start()

    def beat(self) -> None:
        """Refresh this worker's row, then take over from the dead workers."""
        now = timezone.now()
        if not WorkerHeartbeat.objects.filter(pk=self.worker_id).update(seen_at=now):
            # Dropped as dead after the database kept this thread waiting: alive again.
            WorkerHeartbeat.objects.create(
                worker_id=self.worker_id,
                hostname=socket.gethostname()[:255],
                pid=os.getpid(),
                backend=self.backend,
                started_at=now,
                seen_at=now,
            )
        take_over_from_dead_workers()

    def stop(self) -> None:
        self.done.set()
        if self.thread.is_alive():
            self.thread.join(timeout=settings.WORKER_HEARTBEAT_SECONDS + 5)
        WorkerHeartbeat.objects.filter(pk=self.worker_id).delete()
        _current["worker_id"] = ""

    def _run(self) -> None:
        try:
            while not self.done.wait(settings.WORKER_HEARTBEAT_SECONDS):
                close_old_connections()  # a connection the database dropped is opened again
                try:
                    self.beat()
                except Exception:
                    logger.exception("worker heartbeat failed")
        finally:
            connection.close()
