"""The demo's TEST vending keys (VKRN 41, 42 and 43) for every region: never for production."""

from meterops.core.choices import UnitLevel
from meterops.core.models import Unit

from .choices import Encryption, KeyGeneration, VkrnCode
from .models import VendingKey
from .services import store_vending_key

# Published STS compliance-test vending keys (docs/STS.md), so anyone can check the tokens.
TEST_OLD_KEY = "abababababababab"
TEST_NEW_KEY = "0123456789abcdef0123456789abcdef01234567"
# Not a published key: made up for the demo's VKRN 42 meters, and as public as the two above.
TEST_OLD_42_KEY = "fedcba9876543210"


def store_test_keys(unit: Unit) -> None:
    """VKRN 41: KRN 1, DKGA02/STA, base date 1993. VKRN 42: KRN 2, DKGA02/STA, base date 1993.
    VKRN 43: KRN 2, DKGA04/STA, base date 2014 (seed 003)."""
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
        vkrn=VkrnCode.OLD_42,
        key_revision=2,
        algorithm=KeyGeneration.DKGA02,
        encryption=Encryption.STA,
        base_date=1993,
        key_hex=TEST_OLD_42_KEY,
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


def build_demo(*, units, seed: int, options: dict) -> str:
    """seed_demo's TEST keys for every region that has none yet."""
    for region in Unit.objects.filter(level=UnitLevel.REGION):
        if not VendingKey.objects.filter(unit=region).exists():
            store_test_keys(region)
    return "kunci vending UJI (bukan produksi)"
