"""core 0010 places existing contractor users in all their contractor's units."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_PLACEMENTS = [("core", "0009_user_placed_units")]
PLACED = [("core", "0010_place_contractor_users")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
class UserMigrationTests:
    def teardown_method(self):
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    def test_existing_contractor_users_keep_every_unit_of_their_contractor(self):
        old = _migrate(BEFORE_PLACEMENTS)
        Unit = old.get_model("core", "Unit")
        region = Unit.objects.create(code="99000", name="UID", level="region", path="99000")
        up3s = [
            Unit.objects.create(
                code=code, name=code, level="area", parent=region, path=f"99000/{code}"
            )
            for code in ("99100", "99200")
        ]
        contractor = old.get_model("core", "Contractor").objects.create(code="V1", name="V1")
        contractor.units.set(up3s)
        User = old.get_model("core", "User")
        mitra = User.objects.create(username="mitra.lama", contractor=contractor)
        pegawai = User.objects.create(username="pegawai", unit=up3s[0])

        new = _migrate(PLACED)
        User = new.get_model("core", "User")
        placed = set(User.objects.get(pk=mitra.pk).placed_units.values_list("code", flat=True))
        assert placed == {"99100", "99200"}
        assert not User.objects.get(pk=pegawai.pk).placed_units.exists()
