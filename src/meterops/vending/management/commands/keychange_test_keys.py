"""Store the demo's TEST vending keys (VKRN 41 and 43) for every region: never for production."""

from django.core.management.base import BaseCommand

from meterops.core.choices import UnitLevel
from meterops.core.models import Unit
from meterops.vending.demo import store_test_keys


class Command(BaseCommand):
    help = "Store TEST vending keys (VKRN 41 and 43) for every UID, for the demo only."

    def handle(self, *args, **options):
        regions = Unit.objects.filter(level=UnitLevel.REGION)
        for region in regions:
            store_test_keys(region)
        self.stdout.write(f"Kunci vending UJI disimpan untuk {regions.count()} UID.")
