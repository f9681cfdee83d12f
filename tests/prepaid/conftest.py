import pytest

from .builders import make_fee, make_keys, make_stock


@pytest.fixture
def prepaid(cast):
    """Fee table, keys on the region, and two meters in sp_a's stock (NFC and keypad)."""
    cast.fee = make_fee()
    cast.factory_key, cast.unit_key = make_keys(cast.region)
    cast.nfc_meter = make_stock(cast.sp_a, "32031017679", is_nfc=True)
    cast.keypad_meter = make_stock(cast.sp_a, "14012345678", is_nfc=False)
    return cast
