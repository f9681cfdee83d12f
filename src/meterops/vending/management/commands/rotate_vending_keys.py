"""Re-seal every stored vending key under the current METEROPS_KEY_ENCRYPTION_KEY."""

from django.core.management.base import BaseCommand
from django.db import transaction

from meterops.vending import crypto
from meterops.vending.models import VendingKey


class Command(BaseCommand):
    help = (
        "Re-encrypt all vending keys with METEROPS_KEY_ENCRYPTION_KEY; old secrets go in "
        "METEROPS_KEY_ENCRYPTION_KEY_PREVIOUS during the rotation (docs/KEYCHANGE.md)."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            keys = list(VendingKey.objects.select_for_update().only("pk", "key_material"))
            for key in keys:
                key.key_material = crypto.reseal(key.key_material)
            VendingKey.objects.bulk_update(keys, ["key_material"])
        self.stdout.write(f"{len(keys)} kunci vending dienkripsi ulang dengan kunci baru.")
