"""The Upload pages end to end through the configured Tasks backend and a real worker run:
template download, upload, progress, preview, error report, apply, history."""

import io

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command

from meterops.imports.models import Upload, UploadState
from meterops.imports.registry import get_template
from meterops.imports.workbooks import template_bytes
from meterops.replacement.models import DamageType, ReplacementTarget
from tests.factories import CustomerFactory

from .conftest import xlsx


def run_worker() -> None:
    """Run every queued task with the worker of the configured backend (database or RQ)."""
    backend = settings.TASKS["default"]["BACKEND"]
    if backend.startswith("django_tasks_rq"):
        import django_rq
        from rq.worker import SimpleWorker

        django_rq.get_worker(
            "default", worker_class=SimpleWorker, job_class="django_tasks_rq.backend.Job"
        ).work(burst=True)
    else:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def error_report(client, upload) -> openpyxl.Workbook:
    """The error report the worker wrote, as the page's link serves it (a file response)."""
    response = client.get(f"/imports/uploads/{upload.pk}/errors.xlsx")
    assert response.status_code == 200, response
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


# The database worker closes the connections between tasks, as in production: the tests that
# run it work on a committed (transactional) database.
WORKER_DB = pytest.mark.django_db(transaction=True)


class TemplateWorkbookTests:
    def test_template_has_notes_lists_instructions_and_an_example(self, cast, damage_type):
        workbook = openpyxl.load_workbook(io.BytesIO(template_bytes(get_template("to-ex-dg"))))
        assert workbook.sheetnames == ["Data", "Petunjuk", "Daftar"]
        data = workbook["Data"]
        assert [c.value for c in data[1]] == list(get_template("to-ex-dg").headers)
        assert "12 digit" in data["A1"].comment.text
        assert data["A2"].value == "510010000001"
        validations = data.data_validations.dataValidation
        # JENIS_KERUSAKAN and LBKB (Y, N or an LBKB code) are lists.
        assert [str(v.sqref) for v in validations] == ["B2:B5001", "G2:G5001"]
        names = [c.value for c in workbook["Daftar"]["A"][1:]]
        assert set(names) == set(
            DamageType.objects.filter(is_active=True).values_list("name", flat=True)
        )
        assert "Petunjuk pengisian" in workbook["Petunjuk"]["A1"].value

    @WORKER_DB
    def test_written_workbooks_neutralise_formula_injection(
        self, cast, client_for, django_capture_on_commit_callbacks
    ):
        DamageType.objects.create(code="jahat", name='=HYPERLINK("http://x")')
        customer = CustomerFactory(unit=cast.sp_a)
        workbook = openpyxl.load_workbook(io.BytesIO(template_bytes(get_template("to-ex-dg"))))
        listed = [c.value for c in workbook["Daftar"]["A"]]
        assert '\'=HYPERLINK("http://x")' in listed
        assert not any(isinstance(v, str) and v.startswith("=") for v in listed)
        client = client_for(cast.supervisor)
        bad = xlsx([[customer.customer_id, "@SUM(1)", "+1", "", "", "-2"]], name="jahat.xlsx")
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/imports/to-ex-dg/", {"file": bad})
        run_worker()
        upload = Upload.objects.get()
        report = error_report(client, upload).active
        values = [c.value for c in report[2]]
        assert values[:3] == [customer.customer_id, "'@SUM(1)", "'+1"]
        assert values[5] == "'-2" and "JENIS_KERUSAKAN" in values[-1]


class UploadPagesTests:
    @WORKER_DB
    def test_upload_check_preview_apply_history(
        self, cast, client_for, damage_type, django_capture_on_commit_callbacks
    ):
        good = CustomerFactory(unit=cast.sp_a)
        client = client_for(cast.supervisor)
        assert client.get("/imports/to-ex-dg/template.xlsx").status_code == 200
        menu = client.get("/imports/").content.decode()
        assert "TO Ganti Meter Ex DG" in menu and "Peremajaan Kumulatif" not in menu
        upload_file = xlsx(
            [
                [good.customer_id, damage_type.name, "", "", "", ""],
                ["510019999999", damage_type.name, "", "", "", ""],
            ]
        )
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/imports/to-ex-dg/", {"file": upload_file})
        upload = Upload.objects.get()
        assert response.url == f"/imports/uploads/{upload.pk}/"
        progress = client.get(f"/imports/uploads/{upload.pk}/progress/")
        assert progress.status_code == 200 and 'hx-trigger="every 1s"' in progress.content.decode()
        run_worker()
        upload.refresh_from_db()
        assert upload.state == UploadState.CHECKED
        assert client.get(f"/imports/uploads/{upload.pk}/progress/")["HX-Refresh"] == "true"
        page = client.get(f"/imports/uploads/{upload.pk}/").content.decode()
        assert 'data-count="new">1<' in page and 'data-count="rejected">1<' in page
        assert "510019999999 tidak ada di DIL unit Anda" in page
        report = error_report(client, upload).active
        assert [c.value for c in report[1]][-2:] == ["BARIS_ASAL", "ALASAN_DITOLAK"]
        assert report["A2"].value == "510019999999" and report.max_row == 2
        assert not ReplacementTarget.objects.exists()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/imports/uploads/{upload.pk}/apply/")
        run_worker()
        upload.refresh_from_db()
        assert upload.state == UploadState.APPLIED
        target = ReplacementTarget.objects.get()
        page = client.get(f"/imports/uploads/{upload.pk}/").content.decode()
        assert f"/replacement/targets/{target.pk}/" in page and upload.sha256 in page
        history = client.get("/imports/").content.decode()
        assert "to.xlsx" in history and upload.sha256[:12] in history
        assert client.get(f"/imports/uploads/{upload.pk}/file/").status_code == 200

    def test_other_unit_sees_no_upload(self, cast, client_for, damage_type):
        customer = CustomerFactory(unit=cast.sp_a)
        client_for(cast.supervisor).post(
            "/imports/to-ex-dg/",
            {
                "file": xlsx(
                    [[customer.customer_id, damage_type.name]], headers=["IDPEL", "JENIS_KERUSAKAN"]
                )
            },
        )
        upload = Upload.objects.get()
        outsider = client_for(cast.outsider)
        assert outsider.get(f"/imports/uploads/{upload.pk}/").status_code == 404
        assert outsider.get(f"/imports/uploads/{upload.pk}/file/").status_code == 404
        assert "to.xlsx" not in outsider.get("/imports/").content.decode()

    def test_roles_gate_each_template(self, cast, client_for):
        officer = client_for(cast.officer)
        assert officer.get("/imports/to-ex-dg/").status_code == 403
        assert officer.get("/imports/peremajaan-kumulatif/template.xlsx").status_code == 403


class TemplateRoundTripTests:
    def test_the_downloaded_template_filled_in_is_accepted(self, cast, damage_type):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from meterops.imports.services import check_upload, create_upload

        customer = CustomerFactory(unit=cast.sp_a)
        workbook = openpyxl.load_workbook(io.BytesIO(template_bytes(get_template("to-ex-dg"))))
        sheet = workbook["Data"]
        sheet["A2"], sheet["B2"] = customer.customer_id, damage_type.name
        buffer = io.BytesIO()
        workbook.save(buffer)
        upload = create_upload(
            actor=cast.supervisor,
            template=get_template("to-ex-dg"),
            upload_file=SimpleUploadedFile("isi.xlsx", buffer.getvalue()),
        )
        upload = check_upload(upload_id=upload.pk)
        assert (upload.state, upload.new_rows, upload.rejected_rows) == ("checked", 1, 0)
