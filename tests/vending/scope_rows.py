"""Rows of vending's scoped models in a unit, for the matrix in tests/core/test_scoping.py."""

from meterops.vending.demo import store_test_keys
from meterops.vending.models import VendingKey

ROW_IN_UNIT = {
    "vending.VendingKey": lambda unit: (store_test_keys(unit), VendingKey.objects.first())[1],
}
