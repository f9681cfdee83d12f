"""The same file is refused only while an earlier upload of it is pending, checked or applied;
never after that one failed or was refused (issue #17)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from meterops.imports import services
from meterops.imports.errors import DuplicateUpload
from meterops.imports.models import UploadState
from meterops.imports.registry import get_template

from .conftest import applied, checked, xlsx


def _same(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("to.xlsx", data)


def _create(user, data: bytes):
    return services.create_upload(
        actor=user, template=get_template("to-ex-dg"), upload_file=_same(data)
    )


@pytest.fixture
def data(customers, damage_type) -> bytes:
    return xlsx([[customers[0].customer_id, damage_type.name, "", "", "", ""]]).read()


class DuplicateUploadTests:
    def test_refused_while_the_first_is_waiting_for_its_check(self, cast, data):
        first = _create(cast.supervisor, data)
        assert first.state == UploadState.UPLOADED
        with pytest.raises(DuplicateUpload, match=f"upload #{first.pk}"):
            _create(cast.supervisor, data)

    def test_refused_once_the_first_is_checked(self, cast, data):
        checked(cast.supervisor, "to-ex-dg", _same(data))
        with pytest.raises(DuplicateUpload, match="sudah diunggah"):
            _create(cast.supervisor, data)

    def test_refused_once_the_first_is_applied(self, cast, data):
        applied(cast.supervisor, "to-ex-dg", _same(data))
        with pytest.raises(DuplicateUpload):
            _create(cast.supervisor, data)

    def test_taken_again_after_the_first_was_refused(self, cast, damage_type):
        wrong = xlsx([["510010000001"]], headers=["IDPEL"]).read()
        first = checked(cast.supervisor, "to-ex-dg", _same(wrong))
        assert first.state == UploadState.FAILED
        assert _create(cast.supervisor, wrong).pk != first.pk

    def test_taken_again_after_the_first_failed_to_apply(self, cast, data):
        first = checked(cast.supervisor, "to-ex-dg", _same(data))
        first = services.start_apply(upload=first, actor=cast.supervisor)
        first.fail(error="Gagal di batch 1: uji")
        first.save()
        assert _create(cast.supervisor, data).pk != first.pk
