"""The hostile corpus (tests/imports/hostile.py) through the real upload path: the page's form,
the Tasks backend's worker, the page. Each file ends with an Indonesian message, the worker
alive, and nothing changed in the database (issue #17, "Keep the test in the suite")."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from meterops.core.models import Process, ProcessEvent
from meterops.customers.models import Customer, Meter
from meterops.imports.models import Upload, UploadBatch, UploadRow, UploadState
from meterops.replacement.models import DamageType, ReplacementTarget
from tests.factories import CustomerFactory

from .hostile import CORPUS, far_cell, good_workbook
from .test_views import WORKER_DB, run_worker

ROOT = Path(__file__).resolve().parents[2]


def _database_state() -> tuple:
    """What an upload must not touch before it is applied."""
    return (
        list(Customer.objects.order_by("pk").values_list("pk", "customer_id", "name", "unit_id")),
        list(
            Meter.objects.order_by("pk").values_list(
                "pk", "customer_id", "meter_number", "removed_at"
            )
        ),
        Process.objects.count(),
        ProcessEvent.objects.count(),
        ReplacementTarget.objects.count(),
    )


def _post(client, file_name: str, data: bytes, capture, code: str = "to-ex-dg"):
    with capture(execute=True):
        return client.post(
            f"/imports/{code}/", {"file": SimpleUploadedFile(file_name, data)}, follow=True
        )


def _assert_untouched(before: tuple) -> None:
    assert _database_state() == before
    assert not UploadRow.objects.exists() and not UploadBatch.objects.exists()


@WORKER_DB
@pytest.mark.parametrize("name", sorted(CORPUS))
def test_hostile_file_gets_a_message_and_changes_nothing(
    name, cast, client_for, django_capture_on_commit_callbacks
):
    CustomerFactory(unit=cast.sp_a)
    file_name, data, words = CORPUS[name]
    before = _database_state()
    client = client_for(cast.supervisor)
    response = _post(client, file_name, data, django_capture_on_commit_callbacks)
    upload = Upload.objects.first()
    if upload is None:  # refused as it arrived, on the upload page
        assert words in response.content.decode()
    else:
        run_worker()
        upload.refresh_from_db()
        assert upload.state == UploadState.FAILED, upload.state
        assert words in upload.error, upload.error
        page = client.get(f"/imports/uploads/{upload.pk}/").content.decode()
        assert words in page
    _assert_untouched(before)


@WORKER_DB
@pytest.mark.parametrize("code", ["to-ex-dg", "dil"])
def test_cell_at_the_last_column_and_row_is_refused_for_every_template(
    code, cast, client_for, django_capture_on_commit_callbacks
):
    before = _database_state()
    client = client_for(cast.unit_admin)
    _post(client, "jauh.xlsx", far_cell(), django_capture_on_commit_callbacks, code=code)
    run_worker()
    upload = Upload.objects.get()
    assert upload.state == UploadState.FAILED
    assert "Sheet 'Data' berisi sel sampai XFD1048576 (kolom ke-16.384)" in upload.error
    assert "lebih lebar dari template ini" in upload.error
    _assert_untouched(before)


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="a worker process of its own needs a database it can share (PostgreSQL)",
)
@pytest.mark.django_db(transaction=True)
class RealWorkerTests:
    def test_worker_process_survives_the_corpus_and_checks_the_next_file(
        self, client_for, settings
    ):
        from tests.conftest import build_cast

        cast = build_cast()
        damage, _made = DamageType.objects.get_or_create(
            code="display-mati", defaults={"name": "Display mati / blank"}
        )
        customer = CustomerFactory(unit=cast.sp_a)
        before = _database_state()
        env = {
            **os.environ,
            "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
                **connection.settings_dict
            ),
            "DEBUG": "1",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),  # the test's, where the files are kept
        }
        worker = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.2",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            client = client_for(cast.supervisor)
            expected = {}
            for name, (file_name, data, words) in sorted(CORPUS.items()):
                # Transactional: the view's on_commit queues the check right away.
                client.post("/imports/to-ex-dg/", {"file": SimpleUploadedFile(file_name, data)})
                upload = Upload.objects.order_by("-pk").first()
                if upload is not None and upload.pk not in expected:
                    expected[upload.pk] = (name, words)
            good = good_workbook([[customer.customer_id, damage.name, "", "", "", ""]])
            client.post("/imports/to-ex-dg/", {"file": SimpleUploadedFile("baik.xlsx", good)})
            last = Upload.objects.order_by("-pk").first()
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline and worker.poll() is None:
                if not Upload.objects.filter(
                    state__in=[UploadState.UPLOADED, UploadState.CHECKING]
                ).exists():
                    break
                time.sleep(0.2)
            assert worker.poll() is None, f"the worker died (exit status {worker.returncode})"
            for upload in Upload.objects.filter(pk__in=expected):
                name, words = expected[upload.pk]
                assert upload.state == UploadState.FAILED, (name, upload.state)
                assert words in upload.error, (name, upload.error)
            last.refresh_from_db()
            assert (last.state, last.new_rows) == (UploadState.CHECKED, 1)
            assert _database_state() == before
            assert not UploadRow.objects.exclude(upload=last).exists()
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


def test_corpus_files_are_small():
    """Every hostile file is built here, a few KB (the finding's file was 4.8 KB)."""
    assert all(len(data) < 8 * 1024 for _, data, _ in CORPUS.values())
    assert len({data for _, data, _ in CORPUS.values()}) == len(CORPUS)  # none a duplicate
