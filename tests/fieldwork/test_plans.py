"""Schedule and target per officer (seed 004 §IV: "Penyusunan jadwal pelaksanaan & target per
petugas") and the visit list (§V: "Membawa daftar pelanggan yang akan dikunjungi, sesuai
form")."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from meterops.core.choices import RoleCode
from meterops.core.errors import InvalidInput, NotAllowed, NotFound
from meterops.core.models import ProcessEvent
from meterops.fieldwork import queries, services
from meterops.fieldwork.choices import OrderKind, OrderState
from meterops.fieldwork.models import FieldOrder, OfficerTarget
from tests.factories import ContractorFactory, CustomerFactory, RouteFactory, UserFactory
from tests.fieldwork.helpers import jpeg

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate(timezone.now())  # the cast's units keep the default zone, WIB


def _orders(cast, n=1, unit=None, kind=OrderKind.NOTICE, **kwargs):
    unit = unit or cast.sp_a
    return [
        FieldOrder.objects.create(
            unit=unit,
            customer=CustomerFactory(unit=unit),
            kind=kind,
            issued_by=cast.supervisor,
            **kwargs,
        )
        for _ in range(n)
    ]


def _assign(cast, orders, officer=None, day=None, actor=None):
    return services.assign_orders(
        actor=actor or cast.supervisor,
        orders=FieldOrder.objects.filter(pk__in=[o.pk for o in orders]),
        officer=officer or cast.officer,
        planned_on=day,
    )


def _targets(cast, officer=None, first=None, last=None, target=5, actor=None, **kwargs):
    first = first or today()
    return services.set_officer_targets(
        actor=actor or cast.supervisor,
        unit=kwargs.pop("unit", cast.sp_a),
        officer=officer or cast.officer,
        kind=kwargs.pop("kind", OrderKind.NOTICE),
        first_day=first,
        last_day=last or first,
        target=target,
    )


@pytest.fixture
def other_company(cast):
    """A second contractor working the same ULP, with its own admin and officer."""
    company = ContractorFactory(code="VND-C", name="PT Vendor Cakra", units=[cast.sp_a])
    return (
        UserFactory(username="vendor.c", contractor=company, roles=[RoleCode.CONTRACTOR_ADMIN]),
        UserFactory(username="petugas.c", contractor=company, roles=[RoleCode.FIELD_OFFICER]),
    )


class PlanVisitTests:
    """Seed 004 §IV: "Penyusunan jadwal pelaksanaan & target per petugas"."""

    def test_assigning_with_a_day_plans_the_visit(self, cast):
        [order] = _orders(cast)
        day = today() + timedelta(days=2)
        assert _assign(cast, [order], day=day) == 1
        order.refresh_from_db()
        assert order.state == OrderState.ASSIGNED and order.planned_on == day
        event = ProcessEvent.objects.get(verb="fieldwork.order_assigned")
        assert f"kunjungan {day:%d-%m-%Y}" in event.note

    def test_a_past_day_is_refused_and_nothing_changes(self, cast):
        orders = _orders(cast, 2)
        with pytest.raises(InvalidInput, match="sudah lewat") as refused:
            _assign(cast, orders, day=today() - timedelta(days=1))
        assert refused.value.field == "planned_on"
        assert not FieldOrder.objects.exclude(state=OrderState.ISSUED).exists()

    def test_a_day_past_the_orders_deadline_is_refused(self, cast):
        due = timezone.now() + timedelta(days=1)
        [order] = _orders(cast, due_at=due)
        with pytest.raises(InvalidInput, match="melewati batas waktu"):
            _assign(cast, [order], day=today() + timedelta(days=3))
        assert _assign(cast, [order], day=timezone.localdate(due)) == 1

    def test_reassigning_keeps_the_day_unless_a_new_one_is_given(self, cast, vendor_officer):
        [order] = _orders(cast)
        day = today() + timedelta(days=1)
        _assign(cast, [order], day=day)
        _assign(cast, [order], officer=vendor_officer)
        order.refresh_from_db()
        assert order.assigned_to == vendor_officer and order.planned_on == day


class SetOfficerTargetsTests:
    """Seed 004 §IV: "... target per petugas"."""

    def test_one_row_per_day_and_setting_again_changes_nothing(self, cast):
        first = today()
        assert _targets(cast, first=first, last=first + timedelta(days=4), target=12) == 5
        assert _targets(cast, first=first, last=first + timedelta(days=4), target=12) == 5
        assert OfficerTarget.objects.count() == 5
        assert set(OfficerTarget.objects.values_list("target", flat=True)) == {12}

    def test_a_new_figure_replaces_the_old_and_zero_removes(self, cast):
        _targets(cast, target=12)
        _targets(cast, target=20)
        assert OfficerTarget.objects.get().target == 20
        assert _targets(cast, target=0) == 0
        assert not OfficerTarget.objects.exists()

    @pytest.mark.parametrize(
        ("first", "last", "field"),
        [(3, 1, "last_day"), (0, 31, "last_day"), (-1, 0, "first_day")],
    )
    def test_bad_days_name_the_field_and_store_nothing(self, cast, first, last, field):
        with pytest.raises(InvalidInput) as refused:
            _targets(
                cast, first=today() + timedelta(days=first), last=today() + timedelta(days=last)
            )
        assert refused.value.field == field
        assert not OfficerTarget.objects.exists()

    def test_target_is_set_per_ulp(self, cast):
        with pytest.raises(InvalidInput, match="per ULP"):
            _targets(cast, actor=cast.unit_admin, unit=cast.area_a)

    def test_outsider_cannot_set_a_target_in_another_unit(self, cast):
        with pytest.raises(NotFound):
            _targets(cast, actor=cast.outsider)

    def test_officer_cannot_set_targets(self, cast):
        with pytest.raises(NotAllowed):
            _targets(cast, actor=cast.officer)

    def test_contractor_sets_targets_of_its_own_officers_only(self, cast, other_company):
        admin_c, officer_c = other_company
        assert _targets(cast, actor=admin_c, officer=officer_c) == 1
        with pytest.raises(InvalidInput) as refused:
            _targets(cast, actor=cast.vendor_a, officer=officer_c)
        assert refused.value.field == "officer"


class OfficerRealisationTests:
    """Plan against done per officer: target, planned, visited, realisation."""

    def _realisation(self, user, first, last=None):
        """What ``user`` sees of ULP ALFA SATU (sp_a, every test's unit)."""
        return services.officer_realisation(
            unit=FieldOrder.objects.first().unit,
            orders=queries.plan_orders_for(user),
            targets=queries.plan_targets_for(user),
            first_day=first,
            last_day=last or first,
        )

    def test_target_planned_and_visited_per_officer(self, cast):
        day = today()
        _targets(cast, first=day, last=day + timedelta(days=1), target=2)
        orders = _orders(cast, 3)
        _assign(cast, orders, day=day)
        services.record_notice(
            actor=cast.officer, order=orders[0], outcome="at_fence", photo=jpeg()
        )
        services.fail_order(actor=cast.officer, order=orders[1], reason="Alamat tidak ketemu")
        [row] = self._realisation(cast.supervisor, day)
        assert (row.officer, row.kind) == (cast.officer, OrderKind.NOTICE)
        assert (row.target, row.planned, row.visited, row.percent) == (2, 3, 2, 100)
        [two_days] = self._realisation(cast.supervisor, day, day + timedelta(days=1))
        assert (two_days.target, two_days.percent) == (4, 50)

    def test_a_visit_counts_on_the_units_local_day(self, cast):
        """Done at 23:30 WIB on the 10th is the 10th's work, though it is the 10th in UTC too;
        done at 00:30 WIB on the 11th is the 11th's, though it is still the 10th in UTC."""
        orders = _orders(cast, 2)
        _assign(cast, orders)
        late = datetime(2026, 3, 10, 16, 30, tzinfo=UTC)  # 23:30 WIB, 10 March
        early = datetime(2026, 3, 10, 17, 30, tzinfo=UTC)  # 00:30 WIB, 11 March
        for order, moment in ((orders[0], late), (orders[1], early)):
            with freeze_time(moment):  # the order's own transition stamps the visit time
                services.fail_order(actor=cast.officer, order=order, reason="Rumah kosong")
        [tenth] = self._realisation(cast.supervisor, date(2026, 3, 10))
        [eleventh] = self._realisation(cast.supervisor, date(2026, 3, 11))
        assert tenth.visited == 1 and eleventh.visited == 1

    def test_another_unit_sees_nothing(self, cast):
        _targets(cast)
        _assign(cast, _orders(cast), day=today())
        seen = services.officer_realisation(
            unit=cast.sp_a,
            orders=queries.plan_orders_for(cast.outsider),
            targets=queries.plan_targets_for(cast.outsider),
            first_day=today(),
            last_day=today(),
        )
        assert seen == []
        assert not queries.plan_targets_for(cast.outsider).exists()
        assert not queries.plan_orders_for(cast.outsider).exists()

    def test_a_contractor_sees_only_its_own_officers(self, cast, other_company):
        admin_c, officer_c = other_company
        _targets(cast, actor=admin_c, officer=officer_c)
        _assign(cast, _orders(cast), officer=officer_c, day=today(), actor=admin_c)
        _targets(cast)
        _assign(cast, _orders(cast), day=today())
        assert {r.officer for r in self._realisation(admin_c, today())} == {officer_c}
        assert {r.officer for r in self._realisation(cast.vendor_a, today())} == set()
        assert {r.officer for r in self._realisation(cast.supervisor, today())} == {
            officer_c,
            cast.officer,
        }


class VisitListTests:
    """Seed 004 §V: "Membawa daftar pelanggan yang akan dikunjungi, sesuai form"."""

    def test_the_days_orders_of_the_officer_in_route_order(self, cast, vendor_officer):
        route_b, route_a = (
            RouteFactory(unit=cast.sp_a, code="RBM-B"),
            RouteFactory(unit=cast.sp_a, code="RBM-A"),
        )
        placed = [(route_b, 1), (route_a, 7), (route_a, 2)]
        orders = []
        for route, sequence in placed:
            customer = CustomerFactory(unit=cast.sp_a, route=route, route_sequence=sequence)
            orders.append(
                FieldOrder.objects.create(
                    unit=cast.sp_a, customer=customer, kind="notice", issued_by=cast.supervisor
                )
            )
        day = today() + timedelta(days=1)
        _assign(cast, orders, day=day)
        _assign(cast, _orders(cast), day=day + timedelta(days=1))  # another day
        _assign(cast, _orders(cast), officer=vendor_officer, day=day)  # another officer
        listed = services.visit_list(
            orders=queries.plan_orders_for(cast.supervisor), officer=cast.officer, day=day
        )
        assert [(o.customer.route.code, o.customer.route_sequence) for o in listed] == [
            ("RBM-A", 2),
            ("RBM-A", 7),
            ("RBM-B", 1),
        ]
