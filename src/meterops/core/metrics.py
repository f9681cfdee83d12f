"""What /metrics shows beside django-prometheus' request metrics (issue #21).

- ``meterops_task_queue_depth{backend,queue,state}``: jobs waiting (``ready``) and running, read
  from the Tasks backend at scrape time (the database queue's rows, or RQ's queues on Redis).
- ``meterops_job_duration_seconds{task,outcome}``: each job's run, measured in the process that
  ran it (the worker) from the Tasks API's started and finished signals.
- ``meterops_upload_rows_per_second{template}``: an upload's rows over its apply's seconds (an
  apply resumed after a dead worker: all its rows over the resumed run's seconds).

With ``PROMETHEUS_MULTIPROC_DIR`` set (several gunicorn processes and the worker) every process
writes its samples there and the view adds them up; without it the view shows this process.
"""

import ipaddress
import os
import time

from django.conf import settings
from django.db.models import Count
from django.http import Http404, HttpResponse
from django_tasks import TaskResultStatus
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from .lockout import client_ip

JOB_DURATION = Histogram(
    "meterops_job_duration_seconds",
    "Background job run time, by task and outcome.",
    ["task", "outcome"],
    buckets=(0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600),
)
UPLOAD_ROWS_PER_SECOND = Histogram(
    "meterops_upload_rows_per_second",
    "Rows an upload's apply wrote per second, by template.",
    ["template"],
    buckets=(10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000),
)

# Task result id -> monotonic start, in the process running the job.
_running: dict[str, float] = {}


def job_started(sender, task_result, **kwargs) -> None:
    _running[task_result.id] = time.monotonic()


def job_finished(sender, task_result, **kwargs) -> None:
    started = _running.pop(task_result.id, None)
    if started is None:
        return
    outcome = "success" if task_result.status == TaskResultStatus.SUCCESSFUL else "failure"
    JOB_DURATION.labels(task_result.task.name, outcome).observe(time.monotonic() - started)


def observe_upload_apply(*, template: str, rows: int, seconds: float) -> None:
    if rows and seconds > 0:
        UPLOAD_ROWS_PER_SECOND.labels(template).observe(rows / seconds)


def _database_depth(alias: str, queues: set[str]) -> dict[tuple[str, str], int]:
    from django_tasks_db.models import DBTaskResult

    rows = (
        DBTaskResult.objects.filter(
            backend_name=alias, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
        )
        .values_list("queue_name", "status")
        .annotate(n=Count("pk"))
    )
    return {(queue, status.lower()): n for queue, status, n in rows}


def _rq_depth(alias: str, queues: set[str]) -> dict[tuple[str, str], int]:
    import django_rq

    depth = {}
    for name in queues:
        queue = django_rq.get_queue(name)
        depth[name, "ready"] = queue.count
        depth[name, "running"] = queue.started_job_registry.count
    return depth


_DEPTH_READERS = {
    "django_tasks_db.DatabaseBackend": _database_depth,
    "django_tasks_rq.RQBackend": _rq_depth,
}


class QueueDepthCollector:
    """Jobs ready and running per queue of each Tasks backend that keeps a queue (the
    immediate backend of the tests keeps none), read when Prometheus scrapes."""

    def collect(self):
        family = GaugeMetricFamily(
            "meterops_task_queue_depth",
            "Background jobs waiting (ready) or running, per backend and queue.",
            labels=["backend", "queue", "state"],
        )
        for alias, config in settings.TASKS.items():
            reader = _DEPTH_READERS.get(config["BACKEND"])
            if reader is None:
                continue
            queues = set(config.get("QUEUES", ["default"]))
            depth = reader(alias, queues)
            for queue in sorted(queues | {queue for queue, _state in depth}):
                for state in ("ready", "running"):
                    family.add_metric([alias, queue, state], depth.get((queue, state), 0))
        yield family


class _ThisProcess:
    """The default registry as one collector of a per-scrape registry."""

    def collect(self):
        return REGISTRY.collect()


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(QueueDepthCollector())
    return registry


def allowed(address: str | None) -> bool:
    """Whether ``address`` is in one of METRICS_ALLOWED_ADDRESSES' addresses or networks."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(
        ip in ipaddress.ip_network(network, strict=False)
        for network in settings.METRICS_ALLOWED_ADDRESSES
    )


def export(request):
    """The metrics in Prometheus' text format, for the configured scrapers only: anyone else
    is answered as if there were no such page."""
    if not allowed(client_ip(request)):
        raise Http404
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
