"""/health says the process answers; /ready that the database, the queue and a worker do."""

import os
from datetime import timedelta

import pytest
from django.db.utils import OperationalError
from django.utils import timezone

from meterops.core import health
from meterops.core.models import WorkerHeartbeat

RQ_TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}


def beat(worker_id="w1", *, seconds_ago=0):
    seen = timezone.now() - timedelta(seconds=seconds_ago)
    return WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        hostname="worker-host-7",
        pid=4242,
        backend="django_tasks_db.DatabaseBackend",
        started_at=seen,
        seen_at=seen,
    )


class HealthTests:
    @pytest.mark.django_db
    def test_answers_ok_without_touching_the_database(self, client, django_assert_num_queries):
        with django_assert_num_queries(0):
            response = client.get("/health")
        assert response.status_code == 200 and response.json() == {"status": "ok"}
        assert "no-store" in response["Cache-Control"]

    def test_is_not_redirected_to_https(self, client, settings):
        settings.SECURE_SSL_REDIRECT = True
        assert client.get("/health").status_code == 200

    def test_refuses_a_post(self, client):
        assert client.post("/health").status_code == 405


@pytest.mark.django_db
class ReadyTests:
    def test_ready_with_a_fresh_heartbeat(self, client, settings):
        settings.WORKER_HEARTBEAT_MAX_AGE = 60
        beat(seconds_ago=5)
        beat("w2", seconds_ago=120)
        response = client.get("/ready")
        assert response.status_code == 200, response.json()
        body = response.json()
        assert body["status"] == "ok" and body["failed"] == []
        assert body["checks"]["database"] == {"ok": True}
        backend = "rq" if "rq" in settings.TASKS["default"]["BACKEND"] else "database"
        assert body["checks"]["queue"] == {"ok": True, "backend": backend}
        assert body["checks"]["worker"]["count"] == 1
        assert 4 <= body["checks"]["worker"]["age_seconds"] < 30
        assert "no-store" in response["Cache-Control"]

    def test_names_no_worker_host_or_pid(self, client):
        beat()
        text = client.get("/ready").content.decode()
        assert "worker-host-7" not in text and "4242" not in text and "w1" not in text

    def test_not_ready_without_a_worker(self, client):
        response = client.get("/ready")
        assert response.status_code == 503
        body = response.json()
        assert body["failed"] == ["worker"]
        assert body["checks"]["worker"] == {"ok": False, "count": 0, "age_seconds": None}

    def test_not_ready_with_only_a_stale_heartbeat(self, client, settings):
        settings.WORKER_HEARTBEAT_MAX_AGE = 60
        beat(seconds_ago=61)
        response = client.get("/ready")
        assert response.status_code == 503 and response.json()["failed"] == ["worker"]

    def test_not_ready_when_the_database_is_down(self, client, monkeypatch):
        beat()

        def down():
            raise OperationalError("connection refused")

        monkeypatch.setattr(health, "_database", down)
        response = client.get("/ready")
        assert response.status_code == 503
        body = response.json()
        assert body["failed"] == ["database"]
        assert body["checks"]["database"] == {"ok": False, "error": "OperationalError"}

    def test_not_ready_when_redis_is_down(self, client, settings):
        beat()
        settings.TASKS = RQ_TASKS
        settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0"}}  # nothing listens
        response = client.get("/ready")
        assert response.status_code == 503
        body = response.json()
        assert body["failed"] == ["queue"]
        assert body["checks"]["queue"] == {"ok": False, "error": "ConnectionError"}

    @pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a Redis (REDIS_URL)")
    def test_ready_on_redis(self, client, settings):
        beat()
        settings.TASKS = RQ_TASKS
        settings.RQ_QUEUES = {"default": {"URL": os.environ["REDIS_URL"]}}
        response = client.get("/ready")
        assert response.status_code == 200
        assert response.json()["checks"]["queue"] == {"ok": True, "backend": "rq"}
