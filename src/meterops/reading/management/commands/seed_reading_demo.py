from django.core.management.base import BaseCommand

from meterops.reading.demo import schedule_demo_routes


class Command(BaseCommand):
    help = "Data demo baca meter: hari baca A-E per ULP, setiap RBM dijadwalkan ke salah satunya."

    def handle(self, *args, **options):
        days, routes = schedule_demo_routes()
        self.stdout.write(self.style.SUCCESS(f"{days} hari baca dibuat, {routes} RBM dijadwalkan."))
