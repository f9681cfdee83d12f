"""The who-sees-what matrix: for every scoped model, who sees a row of ULP sp_a.

A domain app registers its models with core.scoping.register_scope() and adds, in
tests/<app>/scope_rows.py, a dict ROW_IN_UNIT {"app.Model": lambda unit: <a saved row of unit>};
test_every_scoped_model_has_a_row_maker fails until it does.
"""

import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from meterops.core import scoping
from meterops.core.models import Process, ProcessEvent, UnitSettings
from meterops.core.scoping import SCOPE_LOOKUPS, scoped, visible_unit_ids
from meterops.core.statements import CompiledStatements
from meterops.customers.models import Customer, CustomerTally
from tests.factories import (
    ContractorFactory,
    CustomerFactory,
    MeterFactory,
    RouteFactory,
    SubstationFactory,
    UserFactory,
)


def _process(unit):
    customer = CustomerFactory(unit=unit)
    return Process.objects.create(
        customer=customer, unit=unit, domain="replacement", kind="uji", state="open"
    )


CORE_ROWS = {
    "core.Unit": lambda unit: unit,
    "core.Contractor": lambda unit: ContractorFactory(units=[unit]),
    "core.UnitSettings": lambda unit: UnitSettings.objects.create(unit=unit),
    "core.User": lambda unit: UserFactory(unit=unit),
    "core.Process": _process,
    "core.ProcessEvent": lambda unit: ProcessEvent.objects.create(
        customer=CustomerFactory(unit=unit), unit=unit, domain="replacement", verb="uji"
    ),
    "customers.Substation": lambda unit: SubstationFactory(unit=unit),
    "customers.Route": lambda unit: RouteFactory(unit=unit),
    "customers.Customer": lambda unit: CustomerFactory(unit=unit),
    "customers.Meter": lambda unit: MeterFactory(customer=CustomerFactory(unit=unit)),
    "customers.CustomerTally": lambda unit: CustomerTally.objects.create(
        unit=unit, customers=1, counted_at=timezone.now()
    ),
}


def _row_makers() -> dict:
    makers = dict(CORE_ROWS)
    for path in sorted(Path(__file__).parents[1].glob("*/scope_rows.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.scope_rows")
        makers.update(module.ROW_IN_UNIT)
    return makers


ROW_IN_UNIT = _row_makers()

# viewer (a name in the cast) -> may see a row of sp_a?
VIEWERS = {
    "admin": True,  # UID: the whole region
    "unit_admin": True,  # UP3 area_a, above sp_a
    "area_user": True,
    "supervisor": True,  # sp_a itself
    "officer": True,
    "vendor_a": True,  # contractor working for area_a
    "outsider": False,  # ULP of the other UP3
    "outsider_admin": False,
    "vendor_b": False,  # contractor working only for sp_b
}


def test_every_scoped_model_has_a_row_maker():
    assert set(ROW_IN_UNIT) == set(SCOPE_LOOKUPS)


@pytest.mark.parametrize("label", sorted(SCOPE_LOOKUPS))
@pytest.mark.parametrize("viewer", sorted(VIEWERS))
def test_scoping_matrix(cast, label, viewer):
    row = ROW_IN_UNIT[label](cast.sp_a)
    model = type(row)
    visible = scoped(model, getattr(cast, viewer)).filter(pk=row.pk).exists()
    assert visible is VIEWERS[viewer], f"{viewer} on {label}"


def test_sibling_ulp_user_sees_nothing_of_sp_a(cast):
    sibling = UserFactory(unit=cast.sp_a2)
    customer = CustomerFactory(unit=cast.sp_a)
    assert not scoped(type(customer), sibling).filter(pk=customer.pk).exists()


def test_inactive_user_sees_nothing(cast):
    CustomerFactory(unit=cast.sp_a)
    cast.supervisor.is_active = False
    for model in map(apps.get_model, SCOPE_LOOKUPS):
        assert not scoped(model, cast.supervisor).exists(), model


def test_inactive_contractor_loses_its_units(cast):
    customer = CustomerFactory(unit=cast.sp_a)
    cast.contractor_a.is_active = False
    cast.contractor_a.save()
    vendor = type(cast.vendor_a).objects.get(pk=cast.vendor_a.pk)
    assert not scoped(type(customer), vendor).exists()


def test_user_list_of_a_unit_admin_holds_contractor_staff_of_its_units(cast):
    visible = set(scoped(type(cast.admin), cast.unit_admin).values_list("username", flat=True))
    assert "vendor.a" in visible
    assert "vendor.b" not in visible
    assert "pengawas.b" not in visible


class ContractorPlacementTests:
    """A contractor's user reaches the units it is placed in, within its contractor's units."""

    def test_a_user_placed_in_one_ulp_sees_only_that_ulp(self, cast):
        placed = UserFactory(contractor=cast.contractor_a, placed_units=[cast.sp_a2])
        CustomerFactory(unit=cast.sp_a)
        mine = CustomerFactory(unit=cast.sp_a2)
        assert list(scoped(type(mine), placed)) == [mine]

    def test_a_shared_contractors_user_sees_only_the_up3_it_is_placed_in(self, cast):
        shared = ContractorFactory(units=[cast.area_a, cast.area_b])
        placed = UserFactory(contractor=shared, placed_units=[cast.area_b])
        CustomerFactory(unit=cast.sp_a)
        other = CustomerFactory(unit=cast.sp_b)
        assert list(scoped(type(other), placed)) == [other]

    def test_a_placement_the_contractor_no_longer_works_for_gives_nothing(self, cast):
        placed = UserFactory(contractor=cast.contractor_a, placed_units=[cast.sp_a])
        cast.contractor_a.units.set([cast.area_b])
        CustomerFactory(unit=cast.sp_a)
        assert not scoped(Customer, type(placed).objects.get(pk=placed.pk)).exists()

    def test_an_unplaced_contractor_user_sees_nothing(self, cast):
        unplaced = UserFactory(contractor=cast.contractor_a, placed_units=[])
        CustomerFactory(unit=cast.sp_a)
        assert not scoped(Customer, unplaced).exists()

    def test_a_placement_reaches_below_it_not_a_unit_whose_code_extends_its_own(self, cast):
        # Since issue #22 the reach is one SQL statement (a LIKE on the path): "_" is a
        # wildcard there and "53551" a prefix of "535510"; neither may leak.
        from tests.factories import UnitFactory

        placed_in = UnitFactory(code="5_1", parent=cast.area_a)
        below = UnitFactory(code="5_1X", parent=placed_in)
        lookalike = UnitFactory(code="5X1C", parent=UnitFactory(code="5X1", parent=cast.area_a))
        longer = UnitFactory(code="5_10", parent=cast.area_a)
        placed = UserFactory(contractor=cast.contractor_a, placed_units=[placed_in])
        assert visible_unit_ids(placed) == {placed_in.pk, below.pk}
        assert lookalike.pk not in visible_unit_ids(placed)
        assert longer.pk not in visible_unit_ids(placed)

    def test_the_reach_is_one_query_and_read_once_a_request(self, cast, django_assert_num_queries):
        placed = UserFactory(contractor=cast.contractor_a, placed_units=[cast.sp_a, cast.sp_a2])
        placed = type(placed).objects.select_related("contractor").get(pk=placed.pk)
        with django_assert_num_queries(1):
            assert visible_unit_ids(placed) == {cast.sp_a.pk, cast.sp_a2.pk}
            scoped(Customer, placed)

    def test_the_reach_is_compiled_once_an_officer_and_read_fresh_each_request(
        self, cast, monkeypatch
    ):
        placed = UserFactory(contractor=cast.contractor_a, placed_units=[cast.sp_a, cast.sp_a2])
        monkeypatch.setattr(scoping, "_UNIT_STATEMENTS", CompiledStatements())  # none kept yet
        compiled = []
        as_sql = SQLCompiler.as_sql
        monkeypatch.setattr(
            SQLCompiler, "as_sql", lambda *a, **kw: compiled.append(a[0]) or as_sql(*a, **kw)
        )

        def reach_at_a_request():  # each request loads the officer again
            officer = type(placed).objects.select_related("contractor").get(pk=placed.pk)
            compiled.clear()
            return visible_unit_ids(officer), len(compiled)

        assert reach_at_a_request() == ({cast.sp_a.pk, cast.sp_a2.pk}, 3)  # Unit, 2 subqueries
        placed.placed_units.remove(cast.sp_a2)
        assert reach_at_a_request() == ({cast.sp_a.pk}, 0)

    def test_users_are_seen_where_they_are_placed(self, cast):
        in_a2 = UserFactory(contractor=cast.contractor_a, placed_units=[cast.sp_a2])
        ulp_a_admin = UserFactory(unit=cast.sp_a)
        ulp_a2_user = UserFactory(unit=cast.sp_a2)
        assert not scoped(type(in_a2), ulp_a_admin).filter(pk=in_a2.pk).exists()
        assert scoped(type(in_a2), ulp_a2_user).filter(pk=in_a2.pk).exists()


def test_unscoped_model_is_refused(cast):
    from meterops.core.models import Role

    with pytest.raises(LookupError):
        scoped(Role, cast.admin)
