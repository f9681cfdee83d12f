from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from meterops.core.choices import UnitLevel
from meterops.core.models import Unit, User
from meterops.core.scoping import scoped
from meterops.customers.dil import DilFileError, parse_dil, read_table
from meterops.customers.services import import_customer_master

MAX_ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = "Muat data induk pelanggan (DIL) dari file .csv atau .xlsx, sekaligus (set-based)."

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
        units = Unit.objects.filter(level=UnitLevel.SERVICE_POINT)
        if username:
            actor = User.objects.filter(username=username, is_active=True).first()
            if actor is None:
                raise CommandError(f"Pengguna {username} tidak ada atau tidak aktif.")
            units = scoped(units, actor)
        try:
            header, rows = read_table(file)
        except DilFileError as exc:
            raise CommandError(str(exc)) from exc
        parsed = parse_dil(header, rows, set(units.values_list("code", flat=True)))
        if parsed.errors:
            for error in parsed.errors[:MAX_ERRORS_SHOWN]:
                self.stderr.write(str(error))
            more = len(parsed.errors) - MAX_ERRORS_SHOWN
            if more > 0:
                self.stderr.write(f"... dan {more} kesalahan lain.")
            raise CommandError(
                f"{len(parsed.errors)} kesalahan ditemukan; tidak ada data yang disimpan. "
                "Perbaiki file lalu ulangi."
            )
        result = import_customer_master(records=parsed.records, actor=actor)
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(parsed.records)} baris dimuat: {result.customers_created} pelanggan baru, "
                f"{result.customers_updated} diperbarui; meter {result.meters_created} baru, "
                f"{result.meters_updated} diperbarui, {result.meters_removed} dibongkar; "
                f"{result.substations_created} gardu dan {result.routes_created} RBM baru."
            )
        )
