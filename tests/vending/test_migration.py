"""vending 0001 and keychange 0005 move VendingKey between apps without touching its rows."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("keychange", "0004_campaign_job_and_test_token"),
    ("prepaid", "0005_cancel_and_kept_meter"),
]
AFTER = [("keychange", "0005_move_vendingkey_to_vending")]


@pytest.mark.django_db(transaction=True)
class MoveVendingKeyTests:
    def test_rows_stay_and_belong_to_vending(self):
        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        unit = old.get_model("core", "Unit").objects.create(
            code="99000", name="UID MIGRASI", level="region", path="99000"
        )
        old.get_model("keychange", "VendingKey").objects.create(
            unit_id=unit.pk,
            vkrn=41,
            key_revision=1,
            algorithm="02",
            encryption="07",
            base_date=1993,
            key_material=b"V1sealed",
        )
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        rows = list(new.get_model("vending", "VendingKey").objects.values_list("unit", "vkrn"))
        assert rows == [(unit.pk, 41)]
        assert "vendingkey" not in new.all_models["keychange"]
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
