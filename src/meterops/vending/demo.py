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


# VKRN, KRN, DKGA, base date and key of each TEST key (seed 003).
TEST_KEYS = (
    (VkrnCode.OLD_41, 1, KeyGeneration.DKGA02, 1993, TEST_OLD_KEY),
    (VkrnCode.OLD_42, 2, KeyGeneration.DKGA02, 1993, TEST_OLD_42_KEY),
    (VkrnCode.NEW_43, 2, KeyGeneration.DKGA04, 2014, TEST_NEW_KEY),
)


def store_test_keys(unit: Unit) -> None:
    """VKRN 41 (KRN 1), 42 (KRN 2), both base date 1993, and 43 (KRN 2, base date 2014), STA."""
    for vkrn, key_revision, algorithm, base_date, key_hex in TEST_KEYS:
        store_vending_key(
            actor=None,
            unit=unit,
            vkrn=vkrn,
            key_revision=key_revision,
            algorithm=algorithm,
            encryption=Encryption.STA,
            base_date=base_date,
            key_hex=key_hex,
            is_test_key=True,
            label="KUNCI UJI (bukan kunci produksi)",
        )


def build_demo(*, units, seed: int, options: dict) -> str:
    """seed_demo's TEST keys for every region that has none yet."""
    for region in Unit.objects.filter(level=UnitLevel.REGION):
        if not VendingKey.objects.filter(unit=region).exists():
            store_test_keys(region)
    return "kunci vending UJI (bukan produksi)"
