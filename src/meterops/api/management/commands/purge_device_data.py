"""Daily housekeeping of the device API: stale photo uploads, old write answers, dead tokens."""

from django.core.management.base import BaseCommand

from meterops.api.services import purge_stale


class Command(BaseCommand):
    help = "Hapus upload foto yang basi, jawaban tulis lama dan token yang sudah lama kedaluwarsa."

    def add_arguments(self, parser):
        parser.add_argument("--upload-days", type=int, default=7)
        parser.add_argument("--write-days", type=int, default=60)

    def handle(self, *args, upload_days, write_days, **options):
        counts = purge_stale(upload_days=upload_days, write_days=write_days)
        self.stdout.write(
            f"{counts['uploads']} upload foto dan {counts['writes']} jawaban tulis dihapus."
        )
