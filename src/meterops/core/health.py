"""``/health`` and ``/ready`` for systemd, load balancers and CI: no login, JSON, never cached.

``/health`` says the process answers, without touching the database (liveness). ``/ready``
checks what a request and a background job need: the database, the queue backend and a fresh
worker heartbeat; 503 names the checks that failed. A read replica, where there is one, is shown
with its lag but never fails the check: while it is unusable the reports read the primary.
Neither shows more of the workers than their count and the age of the freshest heartbeat.
"""

import logging
from dataclasses import asdict
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .models import WorkerHeartbeat
from .replica import REPLICA, replica_health

logger = logging.getLogger(__name__)

REDIS_TIMEOUT_SECONDS = 2  # a probe answers in time even when Redis does not


@never_cache
@require_safe
def health(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request):
    checks = {}
    for name, check in (("database", _database), ("queue", _queue), ("worker", _worker)):
        try:
            checks[name] = check()
        except Exception as exc:
            logger.warning("readiness check %s failed", name, exc_info=True)
            checks[name] = {"ok": False, "error": exc.__class__.__name__}
    failed = [name for name, result in checks.items() if not result["ok"]]
    if REPLICA in settings.DATABASES:
        checks["replica"] = asdict(replica_health())
    return JsonResponse(
        {"status": "fail" if failed else "ok", "failed": failed, "checks": checks},
        status=503 if failed else 200,
    )


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def _queue() -> dict:
    backend = settings.TASKS["default"]["BACKEND"]
    if backend.startswith("django_tasks_rq."):
        import redis

        for name in settings.TASKS["default"].get("QUEUES", ["default"]):
            with redis.Redis.from_url(
                settings.RQ_QUEUES[name]["URL"],
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
            ) as client:
                client.ping()
        return {"ok": True, "backend": "rq"}
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.exists()
    return {"ok": True, "backend": "database"}


def _worker() -> dict:
    """Fresh heartbeats: their count and the freshest one's age, nothing that names a worker."""
    now = timezone.now()
    fresh = WorkerHeartbeat.objects.filter(
        seen_at__gte=now - timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE)
    )
    count = fresh.count()
    newest = fresh.order_by("-seen_at").values_list("seen_at", flat=True).first()
    age = round((now - newest).total_seconds(), 1) if newest else None
    return {"ok": count > 0, "count": count, "age_seconds": age}
