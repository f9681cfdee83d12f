"""/metrics (issue #21): request latency per view, queue depth, job durations and upload rows/s,
for the configured scrapers only, added up over processes in multiprocess mode."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django_tasks import task
from prometheus_client.parser import text_string_to_metric_families

from meterops.core import jobs, logs
from meterops.core.jobs import traced
from meterops.replacement.models import DamageType
from tests.factories import CustomerFactory, MeterFactory
from tests.imports.conftest import applied, xlsx
from tests.imports.test_views import run_worker

ROOT = Path(__file__).resolve().parents[2]
REQUEST_ID = "fedcba9876543210fedcba9876543210"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@task()
@traced
def sample_job(fail: bool) -> None:
    if fail:
        raise ValueError("gagal")


def scrape(client, **headers) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.status_code
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


class AccessTests:
    def test_scraper_on_the_machine_sees_the_latency_of_a_view_just_requested(self, client, db):
        assert client.get("/login/").status_code == 200
        samples = scrape(client)
        latency = value(
            samples,
            "django_http_requests_latency_seconds_by_view_method_count",
            view="core:login",
            method="GET",
        )
        assert latency >= 1
        assert value(samples, "django_http_responses_total_by_status_total", status="200") >= 1

    def test_other_address_gets_404(self, client, db):
        assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 404

    def test_forwarded_for_is_not_believed_without_a_trusted_proxy(self, client, db, settings):
        settings.TRUSTED_PROXY_COUNT = 0
        response = client.get(
            "/metrics", REMOTE_ADDR="10.20.30.40", HTTP_X_FORWARDED_FOR="127.0.0.1"
        )
        assert response.status_code == 404

    def test_behind_the_proxy_the_client_it_saw_decides(self, client, db, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        settings.METRICS_ALLOWED_ADDRESSES = ["10.1.0.0/16"]
        outsider = client.get(
            "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9"
        )
        assert outsider.status_code == 404
        scraper = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.2.3")
        assert scraper.status_code == 200

    def test_answer_is_not_redirected_to_https(self, client, db, settings):
        settings.SECURE_SSL_REDIRECT = True
        assert client.get("/metrics").status_code == 200


class BackgroundMetricsTests:
    def test_queue_depth_counts_a_job_waiting(self, client, db):
        before = value(
            scrape(client), "meterops_task_queue_depth", backend="default", queue="default",
            state="ready",
        )  # fmt: skip
        result = jobs.enqueue(sample_job, False)
        try:
            after = value(
                scrape(client), "meterops_task_queue_depth", backend="default", queue="default",
                state="ready",
            )  # fmt: skip
            assert after == before + 1
        finally:
            if settings.TASKS["default"]["BACKEND"].startswith("django_tasks_rq"):
                import django_rq

                django_rq.get_queue("default").remove(result.id)

    def test_job_durations_by_task_and_outcome(self, client, db, settings):
        settings.TASKS = IMMEDIATE
        samples = scrape(client)
        name = "meterops_job_duration_seconds_count"
        succeeded = value(samples, name, task="sample_job", outcome="success")
        failed = value(samples, name, task="sample_job", outcome="failure")
        jobs.enqueue(sample_job, False)
        jobs.enqueue(sample_job, True)
        samples = scrape(client)
        assert value(samples, name, task="sample_job", outcome="success") == succeeded + 1
        assert value(samples, name, task="sample_job", outcome="failure") == failed + 1

    @pytest.mark.django_db(transaction=True)
    def test_the_worker_records_the_duration_and_logs_with_the_request_id(self, client, log_lines):
        name = "meterops_job_duration_seconds_count"
        before = value(scrape(client), name, task="sample_job", outcome="success")
        token = logs.request_id.set(REQUEST_ID)
        try:
            jobs.enqueue(sample_job, False)
        finally:
            logs.request_id.reset(token)
        run_worker()
        assert value(scrape(client), name, task="sample_job", outcome="success") == before + 1
        ran = [e for e in log_lines() if e["logger"] == "meterops.jobs"]
        assert [e["message"].split()[2] for e in ran] == ["started", "finished"]
        assert {e["request_id"] for e in ran} == {REQUEST_ID}

    def test_upload_rows_per_second_after_an_apply(self, client, cast):
        damage, _created = DamageType.objects.get_or_create(
            code="display-mati", defaults={"name": "Display mati / blank"}
        )
        rows = []
        for _ in range(2):
            customer = CustomerFactory(unit=cast.sp_a)
            MeterFactory(customer=customer)
            rows.append([customer.customer_id, damage.name, "", "", "", ""])
        name = "meterops_upload_rows_per_second_count"
        before = value(scrape(client), name, template="to-ex-dg")
        applied(cast.supervisor, "to-ex-dg", xlsx(rows))
        assert value(scrape(client), name, template="to-ex-dg") == before + 1


def test_multiprocess_mode_adds_up_every_process(client, db, tmp_path, monkeypatch):
    """Two processes (gunicorn's, the worker's) write their samples; one scrape shows both."""
    script = (
        "import django; django.setup(); from meterops.core import metrics; "
        "metrics.observe_upload_apply(template='dil', rows=600, seconds=2.0)"
    )
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "meterops.settings",
        "DEBUG": "1",
        "PYTHONPATH": str(ROOT / "src"),
    }
    for _process in range(2):
        subprocess.run([sys.executable, "-c", script], env=env, check=True, cwd=ROOT)  # noqa: S603
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    samples = scrape(client)
    assert value(samples, "meterops_upload_rows_per_second_count", template="dil") == 2
    assert value(samples, "meterops_upload_rows_per_second_sum", template="dil") == 600
    # The queue is read at scrape time, whatever the mode.
    assert any(name == "meterops_task_queue_depth" for name, _labels in samples)


@pytest.mark.parametrize("address", ["", "not-an-address", "fe80::1%eth0"])
def test_unreadable_client_address_is_refused(address):
    from meterops.core.metrics import allowed

    assert not allowed(address)


def test_ipv4_mapped_ipv6_address_counts_as_ipv4(settings):
    from meterops.core.metrics import allowed

    settings.METRICS_ALLOWED_ADDRESSES = ["127.0.0.1"]
    assert allowed("::ffff:127.0.0.1")
