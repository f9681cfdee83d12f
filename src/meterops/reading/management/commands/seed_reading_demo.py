from django.core.management.base import BaseCommand

from meterops.reading.demo import generate_demo_readings, schedule_demo_routes


class Command(BaseCommand):
    help = "Data demo baca meter: hari baca A-E per ULP, jadwal RBM, stan dua bulan terakhir."

    def handle(self, *args, **options):
        days, routes = schedule_demo_routes()
        readings = generate_demo_readings()
        self.stdout.write(
            self.style.SUCCESS(
                f"{days} hari baca dibuat, {routes} RBM dijadwalkan, {readings} stan meter demo."
            )
        )
