"""Housekeeping of the upload pipeline, from cron: checks and applies whose worker died."""

from django.core.management.base import BaseCommand

from meterops.imports.services import fail_stalled_uploads


class Command(BaseCommand):
    help = (
        "Gagalkan upload yang pemeriksaan atau penerapannya berhenti tanpa kemajuan lebih lama "
        "dari IMPORT_STALLED_MINUTES (pekerjanya mati), agar bisa diulang."
    )

    def handle(self, *args, **options):
        count = fail_stalled_uploads()
        self.stdout.write(f"{count} upload yang macet digagalkan.")
