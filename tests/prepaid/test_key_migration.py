"""prepaid 0004 moves prepaid's vending keys into the one key store, sealed."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from meterops.vending import crypto

BEFORE = [("prepaid", "0003_add_token_sales"), ("keychange", "0002_seed_lampiran_displays")]
AFTER = [("prepaid", "0004_move_vending_keys_to_keychange")]


@pytest.mark.django_db(transaction=True)
class MoveVendingKeysTests:
    def test_rows_move_sealed_and_mapped_to_vkrn(self):
        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        Unit = old.get_model("core", "Unit")
        unit = Unit.objects.create(code="99000", name="UID MIGRASI", level="region", path="99000")
        Old = old.get_model("prepaid", "VendingKey")
        common = {"unit": unit, "supply_group": "600000", "is_test_key": True}
        Old.objects.create(
            label="pabrik", key_revision=1, base_date=1993, key_hex="abababababababab", **common
        )
        Old.objects.create(
            label="unit", key_revision=2, base_date=2014, key_hex="0123456789abcdef", **common
        )
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        rows = list(new.get_model("keychange", "VendingKey").objects.order_by("vkrn"))
        assert [(r.vkrn, r.key_revision, r.algorithm, r.base_date) for r in rows] == [
            (41, 1, "02", 1993),
            (43, 2, "02", 2014),
        ]
        assert [crypto.open_sealed(r.key_material).hex() for r in rows] == [
            "abababababababab",
            "0123456789abcdef",
        ]
        assert all(b"\xab" * 8 not in bytes(r.key_material) for r in rows)
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
