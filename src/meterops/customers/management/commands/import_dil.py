from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from meterops.core.models import User
from meterops.customers.uploads import DIL_UPLOAD
from meterops.imports import services
from meterops.imports.models import UploadRow, UploadState
from meterops.imports.reader import FileRefused
from meterops.imports.registry import RowStatus

MAX_ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Muat data induk pelanggan (DIL) dari file .csv atau .xlsx lewat jalur upload yang sama "
        "dengan menu Upload; file dengan satu baris salah pun tidak disimpan sama sekali."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--as",
            dest="username",
            help="pengguna yang tercatat di riwayat; baris di luar unitnya ditolak",
        )

    def handle(self, *args, file: Path, username: str | None, **options):
        if not file.exists():
            raise CommandError(f"File {file} tidak ditemukan.")
        actor = None
        if username:
            actor = User.objects.filter(username=username, is_active=True).first()
            if actor is None:
                raise CommandError(f"Pengguna {username} tidak ada atau tidak aktif.")
        try:
            upload = services.create_upload_from_path(template=DIL_UPLOAD, path=file, actor=actor)
        except FileRefused as exc:
            raise CommandError(str(exc)) from exc
        upload = services.check_upload(upload_id=upload.pk)
        if upload.state == UploadState.FAILED:
            raise CommandError(upload.error)
        if upload.rejected_rows:
            rejected = UploadRow.objects.filter(upload=upload, status=RowStatus.REJECTED)
            for row in rejected.order_by("row_number")[:MAX_ERRORS_SHOWN]:
                self.stderr.write(f"Baris {row.row_number}, kolom {row.error_column}: {row.reason}")
            more = upload.rejected_rows - MAX_ERRORS_SHOWN
            if more > 0:
                self.stderr.write(f"... dan {more} baris salah lain.")
            raise CommandError(
                f"{upload.rejected_rows} baris salah ditemukan; tidak ada data yang disimpan "
                f"(upload #{upload.pk}). Perbaiki file lalu ulangi."
            )
        upload.start_apply(by=actor)
        upload.save()
        upload = services.apply_upload(upload_id=upload.pk)
        self.stdout.write(
            self.style.SUCCESS(
                f"Upload #{upload.pk}: {upload.total_rows} baris; {upload.new_rows} pelanggan "
                f"baru, {upload.changed_rows} diperbarui, {upload.unchanged_rows} tetap."
            )
        )
