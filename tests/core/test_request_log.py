"""JSON log lines with a request id that follows the request into the jobs it queues (issue #21)."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from meterops.core import jobs, logs
from meterops.imports.models import Upload
from meterops.replacement.models import DamageType
from tests.core.test_metrics import sample_job
from tests.imports.conftest import xlsx

ROOT = Path(__file__).resolve().parents[2]
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
NGINX_ID = "0123456789abcdef0123456789abcdef"


class JsonFormatterTests:
    def _record(self, **kwargs) -> logging.LogRecord:
        record = logging.LogRecord(
            "meterops.test", logging.ERROR, __file__, 1, "gagal %s", ("x",), None
        )
        record.__dict__.update(kwargs)
        logs.RequestIdFilter().filter(record)
        return record

    def test_one_json_object_with_time_level_logger_message_and_request_id(self):
        token = logs.request_id.set(NGINX_ID)
        try:
            line = logs.JsonFormatter().format(self._record(upload_id=7))
        finally:
            logs.request_id.reset(token)
        entry = orjson.loads(line)
        assert "\n" not in line
        assert entry["level"] == "ERROR" and entry["logger"] == "meterops.test"
        assert entry["message"] == "gagal x" and entry["request_id"] == NGINX_ID
        assert entry["time"].endswith("+00:00") and entry["upload_id"] == 7

    def test_traceback_is_one_field(self):
        try:
            raise ValueError("rusak")
        except ValueError:
            record = self._record(exc_info=sys.exc_info())
        entry = orjson.loads(logs.JsonFormatter().format(record))
        assert "ValueError: rusak" in entry["exc_info"] and "Traceback" in entry["exc_info"]
        assert entry["request_id"] is None

    def test_log_format_json_switches_the_console_to_json(self):
        script = "import django, logging; django.setup(); logging.getLogger('uji').warning('halo')"
        env = {**os.environ, "LOG_FORMAT": "json", "DEBUG": "1", "PYTHONPATH": str(ROOT / "src")}
        env["DJANGO_SETTINGS_MODULE"] = "meterops.settings"
        result = subprocess.run(  # noqa: S603 - our own settings, a fixed script
            [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        entry = orjson.loads(result.stderr.strip().splitlines()[-1])
        assert entry["message"] == "halo" and entry["logger"] == "uji"


class RequestIdTests:
    def test_nginx_id_is_kept_and_echoed(self, client, db, log_lines):
        response = client.get("/login/", HTTP_X_REQUEST_ID=NGINX_ID)
        assert response["X-Request-ID"] == NGINX_ID
        access = [e for e in log_lines() if e["logger"] == "meterops.request"]
        assert access[-1]["request_id"] == NGINX_ID

    @pytest.mark.parametrize("sent", ["", "abc", "x" * 32, NGINX_ID + "0", "a b", "1\n2"])
    def test_anything_else_gets_a_new_id(self, client, db, sent):
        response = client.get("/login/", HTTP_X_REQUEST_ID=sent)
        assert response["X-Request-ID"] != sent
        assert len(response["X-Request-ID"]) == 32
        int(response["X-Request-ID"], 16)

    def test_one_access_line_per_request(self, cast, client_for, log_lines):
        client = client_for(cast.supervisor)
        response = client.get("/customers/?q=510010000001", HTTP_X_REQUEST_ID=NGINX_ID)
        access = [e for e in log_lines() if e["logger"] == "meterops.request"]
        assert len(access) == 1
        line = access[0]
        assert line["level"] == "INFO"
        assert (line["method"], line["path"], line["status"]) == (
            "GET",
            "/customers/",
            response.status_code,
        )
        assert line["view"] == "customers:customer_list"
        assert line["user_id"] == cast.supervisor.pk and line["duration_ms"] >= 0
        assert "510010000001" not in str(line)

    def test_unknown_page_is_logged_without_a_view(self, client, db, log_lines):
        client.get("/tidak-ada/")
        line = [e for e in log_lines() if e["logger"] == "meterops.request"][-1]
        assert line["status"] == 404 and line["view"] is None and line["user_id"] is None


class JobRequestIdTests:
    def test_the_upload_check_a_request_queued_logs_with_its_id(
        self, cast, client_for, settings, log_lines, django_capture_on_commit_callbacks
    ):
        settings.TASKS = IMMEDIATE
        damage, _created = DamageType.objects.get_or_create(
            code="display-mati", defaults={"name": "Display mati / blank"}
        )
        client = client_for(cast.supervisor)
        rejected = xlsx([["510019999990", damage.name, "", "", "", ""]])
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/imports/to-ex-dg/", {"file": rejected}, HTTP_X_REQUEST_ID=NGINX_ID)
        assert Upload.objects.get().rejected_rows == 1
        job_lines = [e for e in log_lines() if e["logger"] == "meterops.jobs"]
        # The check queued the error report: the job a job started keeps the request's id.
        assert [(e["task"], e["message"].split()[2]) for e in job_lines] == [
            ("check_upload_task", "started"),
            ("check_upload_task", "finished"),
            ("build_error_report_task", "started"),
            ("build_error_report_task", "finished"),
        ]
        assert {e["request_id"] for e in job_lines} == {NGINX_ID}

    def test_a_job_queued_outside_a_request_gets_its_own_id(self, settings, log_lines):
        settings.TASKS = IMMEDIATE
        jobs.enqueue(sample_job, False)
        ids = {e["request_id"] for e in log_lines() if e["logger"] == "meterops.jobs"}
        assert len(ids) == 1 and len(ids.pop()) == 32
