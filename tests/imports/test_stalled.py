"""A check or apply whose worker died is failed with a message and can be retried; a refused or
failed upload does not block the same file (issue #17: the upload waited forever at "Memeriksa
berkas… 0 baris" and the same file was refused as a duplicate)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from meterops.imports import services
from meterops.imports.errors import DuplicateUpload
from meterops.imports.models import Upload, UploadBatch, UploadRow, UploadState
from meterops.imports.registry import get_template
from meterops.replacement.models import ReplacementTarget
from tests.factories import CustomerFactory

from .conftest import checked, xlsx
from .test_views import WORKER_DB, run_worker


def _rows(customers, damage):
    return [[c.customer_id, damage.name, "", "", "", ""] for c in customers]


def _create(user, upload_file):
    return services.create_upload(
        actor=user, template=get_template("to-ex-dg"), upload_file=upload_file
    )


def _died_checking(upload, *, minutes_ago=20):
    """What a worker killed mid-check leaves: state checking, a staged row, no progress since."""
    then = timezone.now() - timedelta(minutes=minutes_ago)
    Upload.objects.filter(pk=upload.pk).update(
        state=UploadState.CHECKING, created_at=then, progress_at=then
    )
    UploadRow.objects.create(upload=upload, row_number=2, batch=0, status="new", cells={})


class StalledCheckTests:
    def test_page_poll_fails_a_stalled_check_and_says_how_to_retry(
        self, cast, client_for, customers, damage_type
    ):
        upload = _create(cast.supervisor, xlsx(_rows(customers[:1], damage_type)))
        _died_checking(upload)
        response = client_for(cast.supervisor).get(f"/imports/uploads/{upload.pk}/progress/")
        assert response.status_code == 204 and response["HX-Refresh"] == "true"
        upload.refresh_from_db()
        assert upload.state == UploadState.FAILED
        assert upload.error.startswith("Pemeriksaan berhenti tanpa selesai: tidak ada kemajuan")
        assert "unggah lagi berkas yang sama" in upload.error
        assert not UploadRow.objects.filter(upload=upload).exists()

    def test_same_file_is_taken_again_once_the_first_check_stalled(
        self, cast, customers, damage_type
    ):
        data = xlsx(_rows(customers[:1], damage_type)).read()
        first = _create(cast.supervisor, SimpleUploadedFile("to.xlsx", data))
        _died_checking(first)
        second = _create(cast.supervisor, SimpleUploadedFile("to.xlsx", data))
        first.refresh_from_db()
        assert first.state == UploadState.FAILED and second.pk != first.pk
        assert services.check_upload(upload_id=second.pk).state == UploadState.CHECKED

    def test_a_check_still_making_progress_is_left_alone(
        self, cast, client_for, customers, damage_type
    ):
        data = xlsx(_rows(customers[:1], damage_type)).read()
        upload = _create(cast.supervisor, SimpleUploadedFile("to.xlsx", data))
        _died_checking(upload, minutes_ago=5)
        response = client_for(cast.supervisor).get(f"/imports/uploads/{upload.pk}/progress/")
        assert response.status_code == 200
        assert Upload.objects.get(pk=upload.pk).state == UploadState.CHECKING
        with pytest.raises(DuplicateUpload):
            _create(cast.supervisor, SimpleUploadedFile("to.xlsx", data))

    def test_a_late_check_task_leaves_the_failed_upload_as_it_is(
        self, cast, customers, damage_type
    ):
        upload = _create(cast.supervisor, xlsx(_rows(customers[:1], damage_type)))
        _died_checking(upload)
        services.fail_stalled_uploads()
        upload = services.check_upload(upload_id=upload.pk)
        assert upload.state == UploadState.FAILED
        assert not UploadRow.objects.filter(upload=upload).exists()

    def test_the_housekeeping_command_fails_stalled_uploads(
        self, cast, customers, damage_type, capsys
    ):
        upload = _create(cast.supervisor, xlsx(_rows(customers[:1], damage_type)))
        _died_checking(upload)
        call_command("fail_stalled_uploads")
        assert "1 upload yang macet digagalkan" in capsys.readouterr().out
        assert Upload.objects.get(pk=upload.pk).state == UploadState.FAILED


class StalledApplyTests:
    def test_stalled_apply_is_failed_and_resumes_after_its_last_batch(
        self, cast, damage_type, settings
    ):
        settings.IMPORT_BATCH_SIZE = 2
        customers = [CustomerFactory(unit=cast.sp_a) for _ in range(4)]
        upload = checked(cast.supervisor, "to-ex-dg", xlsx(_rows(customers, damage_type)))
        services.start_apply(upload=upload, actor=cast.supervisor)
        then = timezone.now() - timedelta(minutes=30)
        Upload.objects.filter(pk=upload.pk).update(progress_at=then)
        UploadBatch.objects.filter(upload=upload, number=0).update(applied_at=then)
        assert services.fail_stalled_uploads() == 1
        upload.refresh_from_db()
        assert upload.state == UploadState.FAILED
        assert "Penerapan berhenti tanpa selesai" in upload.error
        assert "1 dari 2 batch sudah tersimpan utuh; tekan Lanjutkan penerapan" in upload.error
        services.start_apply(upload=upload, actor=cast.supervisor)
        upload = services.apply_upload(upload_id=upload.pk)
        assert upload.state == UploadState.APPLIED
        assert ReplacementTarget.objects.count() == 2  # batch 1 only: batch 0 was marked done

    def test_an_apply_with_a_recent_batch_is_not_stalled(self, cast, damage_type, settings):
        settings.IMPORT_BATCH_SIZE = 1
        customers = [CustomerFactory(unit=cast.sp_a) for _ in range(2)]
        upload = checked(cast.supervisor, "to-ex-dg", xlsx(_rows(customers, damage_type)))
        services.start_apply(upload=upload, actor=cast.supervisor)
        Upload.objects.filter(pk=upload.pk).update(progress_at=timezone.now() - timedelta(hours=1))
        UploadBatch.objects.filter(upload=upload, number=0).update(applied_at=timezone.now())
        assert services.fail_stalled_uploads() == 0
        assert Upload.objects.get(pk=upload.pk).state == UploadState.APPLYING


@WORKER_DB
def test_the_next_upload_task_fails_what_a_dead_worker_left(
    cast, client_for, django_capture_on_commit_callbacks
):
    from meterops.replacement.models import DamageType

    damage, _made = DamageType.objects.get_or_create(code="terbakar", defaults={"name": "Terbakar"})
    customers = [CustomerFactory(unit=cast.sp_a) for _ in range(2)]
    left = _create(cast.supervisor, xlsx(_rows(customers[:1], damage), name="lama.xlsx"))
    _died_checking(left)
    client = client_for(cast.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/imports/to-ex-dg/", {"file": xlsx(_rows(customers[1:], damage))})
    run_worker()
    left.refresh_from_db()
    assert left.state == UploadState.FAILED and "berhenti tanpa selesai" in left.error
    assert Upload.objects.exclude(pk=left.pk).get().state == UploadState.CHECKED
