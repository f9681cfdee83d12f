"""The error report is written by a background task into a file and served from it; the page
shows its progress, then the download link; it is scoped like its upload (issue #17: 350,000
rejected rows took 26.7 s to write inside the web request)."""

import io

import openpyxl

from meterops.core.media import is_random_name
from meterops.imports import services
from meterops.imports.models import ErrorReport, Upload
from tests.factories import CustomerFactory

from .conftest import checked, xlsx
from .test_views import WORKER_DB, run_worker


def _with_rejects(cast, damage, rejected=2):
    good = CustomerFactory(unit=cast.sp_a)
    rows = [[good.customer_id, damage.name, "", "", "", ""]]
    rows += [[f"51001999999{n}", damage.name, "", "", "", ""] for n in range(rejected)]
    return checked(cast.supervisor, "to-ex-dg", xlsx(rows))


def _damage():
    from meterops.replacement.models import DamageType

    return DamageType.objects.get_or_create(code="terbakar", defaults={"name": "Terbakar"})[0]


class ReportRequestTests:
    def test_the_request_does_not_write_the_report(self, cast, client_for, damage_type):
        upload = _with_rejects(cast, damage_type)
        client = client_for(cast.supervisor)
        response = client.get(f"/imports/uploads/{upload.pk}/errors.xlsx")
        assert response.status_code == 302 and response.url == f"/imports/uploads/{upload.pk}/"
        page = client.get(response.url).content.decode()
        assert "Laporan kesalahan belum siap" in page
        assert 'id="error-report-build"' in page

    def test_asking_again_queues_nothing_more(self, cast, damage_type):
        upload = _with_rejects(cast, damage_type)
        assert services.request_error_report(upload=upload) is True
        assert services.request_error_report(upload=upload) is False
        report = ErrorReport.objects.get(upload=upload)
        assert (report.rows_total, report.rows_written, report.is_building()) == (2, 0, True)

    def test_a_report_no_longer_covering_the_upload_is_written_again(self, cast, damage_type):
        upload = _with_rejects(cast, damage_type)
        services.request_error_report(upload=upload)
        services.build_error_report(upload_id=upload.pk)
        assert ErrorReport.objects.get(upload=upload).is_ready()
        Upload.objects.filter(pk=upload.pk).update(rejected_rows=3)  # apply rejected one more
        upload.refresh_from_db()
        assert services.request_error_report(upload=upload) is True
        assert ErrorReport.objects.get(upload=upload).rows_total == 3

    def test_no_report_for_an_upload_without_rejected_rows(self, cast, customers, damage_type):
        rows = [[customers[0].customer_id, damage_type.name, "", "", "", ""]]
        upload = checked(cast.supervisor, "to-ex-dg", xlsx(rows))
        assert services.request_error_report(upload=upload) is False
        assert not ErrorReport.objects.exists()

    def test_outsider_gets_404_for_the_report(self, cast, client_for, damage_type):
        upload = _with_rejects(cast, damage_type)
        services.request_error_report(upload=upload)
        services.build_error_report(upload_id=upload.pk)
        outsider = client_for(cast.outsider)
        for url in ("errors.xlsx", "errors/progress/"):
            assert outsider.get(f"/imports/uploads/{upload.pk}/{url}").status_code == 404
        assert outsider.post(f"/imports/uploads/{upload.pk}/errors/build/").status_code == 404


@WORKER_DB
def test_page_shows_progress_then_the_link(cast, client_for, django_capture_on_commit_callbacks):
    upload = _with_rejects(cast, _damage())
    client = client_for(cast.supervisor)
    client.post(f"/imports/uploads/{upload.pk}/errors/build/")
    page = client.get(f"/imports/uploads/{upload.pk}/").content.decode()
    assert "Menyusun laporan kesalahan… 0 dari 2 baris." in page
    assert f'hx-get="/imports/uploads/{upload.pk}/errors/progress/"' in page
    run_worker()
    box = client.get(f"/imports/uploads/{upload.pk}/errors/progress/").content.decode()
    assert 'id="error-report"' in box and "hx-trigger" not in box
    response = client.get(f"/imports/uploads/{upload.pk}/errors.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [c.value for c in sheet["A"]][1:] == ["510019999990", "510019999991"]
    assert "tidak ada di DIL unit Anda" in sheet.cell(row=2, column=sheet.max_column).value


@WORKER_DB
def test_the_worker_writes_the_report_after_the_check(
    cast, client_for, django_capture_on_commit_callbacks
):
    damage = _damage()
    client = client_for(cast.supervisor)
    bad = xlsx([["510019999990", damage.name, "", "", "", ""]])
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/imports/to-ex-dg/", {"file": bad})
    run_worker()
    upload = Upload.objects.get()
    report = ErrorReport.objects.get(upload=upload)
    assert report.is_ready() and (report.rows_written, report.rows_total) == (1, 1)
    assert is_random_name(report.file.name)
    page = client.get(f"/imports/uploads/{upload.pk}/").content.decode()
    assert f'href="/imports/uploads/{upload.pk}/errors.xlsx"' in page
