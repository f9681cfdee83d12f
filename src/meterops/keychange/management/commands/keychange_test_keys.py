"""Store the demo's TEST vending keys (VKRN 41 and 43) for every region: never for production."""

from django.core.management.base import BaseCommand

from meterops.core.choices import UnitLevel
from meterops.core.models import Unit
from meterops.keychange.choices import Encryption, KeyGeneration, VkrnCode
from meterops.keychange.services import store_vending_key

# Published STS compliance-test vending keys (docs/STS.md), so anyone can check the tokens.
TEST_OLD_KEY = "abababababababab"
TEST_NEW_KEY = "0123456789abcdef0123456789abcdef01234567"


def store_test_keys(unit: Unit) -> None:
    """VKRN 41: KRN 1, DKGA02/STA, base date 1993. VKRN 43: KRN 2, DKGA04/STA, base date 2014."""
    store_vending_key(
        actor=None,
        unit=unit,
        vkrn=VkrnCode.OLD_41,
        key_revision=1,
        algorithm=KeyGeneration.DKGA02,
        encryption=Encryption.STA,
        base_date=1993,
        key_hex=TEST_OLD_KEY,
        is_test_key=True,
        label="KUNCI UJI (bukan kunci produksi)",
    )
    store_vending_key(
        actor=None,
        unit=unit,
        vkrn=VkrnCode.NEW_43,
        key_revision=2,
        algorithm=KeyGeneration.DKGA04,
        encryption=Encryption.STA,
        base_date=2014,
        key_hex=TEST_NEW_KEY,
        is_test_key=True,
        label="KUNCI UJI (bukan kunci produksi)",
    )


class Command(BaseCommand):
    help = "Store TEST vending keys (VKRN 41 and 43) for every UID, for the demo only."

    def handle(self, *args, **options):
        regions = Unit.objects.filter(level=UnitLevel.REGION)
        for region in regions:
            store_test_keys(region)
        self.stdout.write(f"Kunci vending UJI disimpan untuk {regions.count()} UID.")
