"""core 0011 places existing contractor users in all their contractor's units; core 0012 stops,
naming them, when usernames differing only in case exist."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_PLACEMENTS = [("core", "0010_user_placed_units")]
PLACED = [("core", "0011_place_contractor_users")]
CASE_UNIQUE = [("core", "0012_user_username_case_insensitive")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(scope="class")
def latest_schema_after_the_class(django_db_blocker):
    """Each test migrates to the state it starts from; the way back to the latest schema, all
    apps (half a minute), is taken once for the class instead of after each test."""
    yield
    with django_db_blocker.unblock():
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_schema_after_the_class")
class UserMigrationTests:
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

    def test_usernames_differing_only_in_case_stop_the_migration_by_name(self):
        old = _migrate(PLACED)
        Unit = old.get_model("core", "Unit")
        unit = Unit.objects.create(code="99000", name="UID", level="region", path="99000")
        User = old.get_model("core", "User")
        for username in ("budi", "Budi", "siti"):
            User.objects.create(username=username, unit=unit)
        with pytest.raises(RuntimeError, match=r"\[budi, Budi\]"):
            _migrate(CASE_UNIQUE)
        User.objects.filter(username="Budi").update(username="budi.2")
        new = _migrate(CASE_UNIQUE)
        assert new.get_model("core", "User").objects.count() == 3
