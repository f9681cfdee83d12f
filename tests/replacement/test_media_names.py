"""Migrations 0008 rename stored photos and BAs to random names (core.media, issue #17)."""

import re
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, models

from meterops.core.media import rename_stored_files
from meterops.core.services import record_event
from meterops.replacement.models import Document, Photo
from tests.core.image_files import files_in_media

IDPEL = "531234567890"
RANDOM = re.compile(r"replacement/photos/\d{4}/\d{2}/[0-9a-f]{32}\.jpg")


class RenameStoredFilesTests:
    def _schema_editor(self):
        return SimpleNamespace(connection=connection)

    def test_renames_files_and_rows_and_the_events_pointing_at_them(
        self, cast, customer, make_target
    ):
        target = make_target(customer)
        photo = target.photos.get()
        old_image = default_storage.save(f"replacement/photos/2025/01/{IDPEL}.jpg", photo.image)
        missing = f"replacement/photos/2025/01/{IDPEL}_thumb.jpg"
        Photo.objects.filter(pk=photo.pk).update(image=old_image, thumbnail=missing)
        old_ba = default_storage.save(f"replacement/ba/2025/01/{IDPEL}.pdf", ContentFile(b"%PDF-"))
        document = Document.objects.create(
            target=target, file=old_ba, content_type="application/pdf", uploaded_by=cast.admin
        )
        event = record_event(
            process=target.process, verb="replacement.ba_uploaded", actor=None, attachment=old_ba
        )
        for field in ("image", "thumbnail"):
            rename_stored_files(apps, self._schema_editor(), "replacement.Photo", field)
        rename_stored_files(
            apps,
            self._schema_editor(),
            "replacement.Document",
            "file",
            also=[("core.ProcessEvent", "attachment")],
        )
        photo.refresh_from_db()
        document.refresh_from_db()
        event.refresh_from_db()
        assert RANDOM.fullmatch(photo.image.name)
        assert photo.thumbnail.name == missing  # no file to rename: the row is left alone
        assert re.fullmatch(r"replacement/ba/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", document.file.name)
        assert event.attachment.name == document.file.name
        assert document.file.read() == b"%PDF-"
        assert not default_storage.exists(old_image) and not default_storage.exists(old_ba)
        assert not any(IDPEL in name for name in files_in_media())

    def test_a_second_run_changes_nothing(self, cast, customer, make_target):
        target = make_target(customer)
        photo = target.photos.get()
        old = default_storage.save(f"replacement/photos/2025/01/{IDPEL}.jpg", photo.image)
        Photo.objects.filter(pk=photo.pk).update(image=old)
        rename_stored_files(apps, self._schema_editor(), "replacement.Photo", "image")
        photo.refresh_from_db()
        before = (photo.image.name, files_in_media())
        rename_stored_files(apps, self._schema_editor(), "replacement.Photo", "image")
        photo.refresh_from_db()
        assert (photo.image.name, files_in_media()) == before

    def test_a_failed_batch_keeps_the_old_files_and_rows(
        self, cast, customer, make_target, monkeypatch
    ):
        target = make_target(customer)
        photo = target.photos.get()
        old = default_storage.save(f"replacement/photos/2025/01/{IDPEL}.jpg", photo.image)
        Photo.objects.filter(pk=photo.pk).update(image=old)
        files = files_in_media()

        def broken_update(self, **values):
            raise RuntimeError("database gone")

        monkeypatch.setattr(models.QuerySet, "update", broken_update)
        with pytest.raises(RuntimeError):
            rename_stored_files(apps, self._schema_editor(), "replacement.Photo", "image")
        monkeypatch.undo()
        photo.refresh_from_db()
        assert photo.image.name == old
        assert files_in_media() == files
