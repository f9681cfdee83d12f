import time

from django.core.management.base import BaseCommand, CommandError

from meterops.core.choices import UnitLevel
from meterops.core.demo import DEMO_PASSWORD, build_region, demo_logins
from meterops.core.models import Unit
from meterops.customers.demo import generate_customers
from meterops.customers.models import Customer
from meterops.fieldwork.demo import seed_fieldwork_demo
from meterops.keychange.management.commands.keychange_test_keys import store_test_keys
from meterops.keychange.models import VendingKey
from meterops.prepaid.demo import seed_prepaid_demo
from meterops.reading.demo import generate_demo_readings, schedule_demo_routes
from meterops.replacement.demo import generate_targets


class Command(BaseCommand):
    help = "Bangun data demo: 1 UID, 3 UP3, 9 ULP, vendor, pengguna per peran, N pelanggan."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=3000, help="jumlah pelanggan baru")
        parser.add_argument("--seed", type=int, default=2026, help="benih acak (hasil sama)")
        parser.add_argument(
            "--targets",
            type=int,
            default=40,
            help="target ganti meter (HOME) demo di ULP BALEENDAH",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="lewati jika sudah ada pelanggan (dipakai make run: hanya run pertama)",
        )

    def handle(self, *args, customers: int, seed: int, targets: int, if_empty: bool, **options):
        if customers < 0:
            raise CommandError("--customers tidak boleh negatif.")
        if if_empty and Customer.objects.exists():
            self.stdout.write("Data demo sudah ada; tidak ada yang ditambahkan.")
        else:
            started = time.perf_counter()
            units = build_region()
            made = generate_customers(units=units, count=customers, seed=seed)
            made_targets = generate_targets(count=targets, seed=seed)
            self.seed_domains()
            elapsed = time.perf_counter() - started
            self.stdout.write(
                self.style.SUCCESS(
                    f"{made:,} pelanggan dan {made_targets} target ganti meter demo dibuat "
                    f"dalam {elapsed:.1f} s."
                )
            )
        self.print_logins()

    def seed_domains(self):
        """Reading days and readings, prepaid fee table and meter stock, TEST vending keys."""
        days, routes = schedule_demo_routes()
        readings = generate_demo_readings()
        prepaid = seed_prepaid_demo()
        for region in Unit.objects.filter(level=UnitLevel.REGION):
            if not VendingKey.objects.filter(unit=region).exists():
                store_test_keys(region)
        fieldwork = seed_fieldwork_demo()
        self.stdout.write(
            f"{days} hari baca ({routes} RBM), {readings} stan meter, "
            f"{prepaid['meters']} meter prabayar di stok, "
            "kunci vending UJI (bukan produksi), "
            f"{fieldwork['orders']} order pekerjaan lapangan."
        )

    def print_logins(self):
        self.stdout.write(f"\nLogin demo (password awal semua: {DEMO_PASSWORD})")
        for username, roles, unit in demo_logins():
            self.stdout.write(f"  {username:<22} {roles:<45} {unit}")
