import time

from django.core.management.base import BaseCommand, CommandError

from meterops.core.demo import DEMO_PASSWORD, build_region, demo_builders, demo_logins


class Command(BaseCommand):
    help = "Bangun data demo: 1 UID, 3 UP3, 9 ULP, vendor, pengguna per peran, N pelanggan."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=3000, help="jumlah pelanggan baru")
        parser.add_argument("--seed", type=int, default=2026, help="benih acak (hasil sama)")
        parser.add_argument(
            "--targets",
            type=int,
            default=40,
            help="target ganti meter (HOME) demo per ULP demo (BALEENDAH, CIJAURA)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="lewati jika sudah ada pelanggan (dipakai make run: hanya run pertama)",
        )

    def handle(self, *args, customers: int, seed: int, targets: int, if_empty: bool, **options):
        if customers < 0:
            raise CommandError("--customers tidak boleh negatif.")
        builders = demo_builders()
        if if_empty and any(b.present is not None and b.present() for b in builders):
            self.stdout.write("Data demo sudah ada; tidak ada yang ditambahkan.")
        else:
            started = time.perf_counter()
            units = build_region()
            options = {"customers": customers, "targets": targets}
            made = [b.build(units=units, seed=seed, options=options) for b in builders]
            elapsed = time.perf_counter() - started
            self.stdout.write(
                self.style.SUCCESS(f"Data demo dibuat dalam {elapsed:.1f} s: {', '.join(made)}.")
            )
        self.print_logins()

    def print_logins(self):
        self.stdout.write(f"\nLogin demo (password awal semua: {DEMO_PASSWORD})")
        for username, roles, unit in demo_logins():
            self.stdout.write(f"  {username:<22} {roles:<45} {unit}")
