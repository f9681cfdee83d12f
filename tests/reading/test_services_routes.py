"""Routes, reading days and reading settings (issue 7 step 1)."""

from decimal import Decimal

import pytest

from meterops.core.errors import NotAllowed, NotFound
from meterops.core.models import ProcessEvent
from meterops.reading.errors import InvalidRoute
from meterops.reading.models import ReadingSettings
from meterops.reading.services import (
    move_customer,
    save_reading_day,
    schedule_route,
    update_reading_settings,
)
from tests.factories import RouteFactory

from .helpers import make_customer, make_day, make_route


class SaveReadingDayTests:
    def test_creates_a_reading_day_with_its_history(self, cast):
        day = save_reading_day(actor=cast.supervisor, unit=cast.sp_a, code="A", day_of_month=5)
        assert day.history.get().history_user == cast.supervisor

    def test_only_a_ulp_has_reading_days(self, cast):
        with pytest.raises(InvalidRoute):
            save_reading_day(actor=cast.unit_admin, unit=cast.area_a, code="A", day_of_month=5)

    def test_outsider_can_not_add_to_another_unit(self, cast):
        with pytest.raises(NotFound):
            save_reading_day(actor=cast.outsider, unit=cast.sp_a, code="A", day_of_month=5)

    def test_field_officer_can_not_edit(self, cast):
        with pytest.raises(NotAllowed):
            save_reading_day(actor=cast.officer, unit=cast.sp_a, code="A", day_of_month=5)


class ScheduleRouteTests:
    def test_moves_a_route_to_another_day(self, cast):
        route = make_route(make_day(cast.sp_a, "A"))
        other = make_day(cast.sp_a, "B")
        schedule = schedule_route(actor=cast.supervisor, route=route, reading_day=other)
        assert schedule.reading_day == other
        assert schedule.history.first().history_user == cast.supervisor

    def test_refuses_a_day_of_another_ulp(self, cast):
        route = RouteFactory(unit=cast.sp_a)
        with pytest.raises(InvalidRoute):
            schedule_route(actor=cast.unit_admin, route=route, reading_day=make_day(cast.sp_a2))


class MoveCustomerTests:
    def test_inserting_shifts_the_following_customers(self, cast):
        route = make_route(make_day(cast.sp_a))
        first, second = make_customer(route, 1), make_customer(route, 2)
        other_route = RouteFactory(unit=cast.sp_a)
        mover = make_customer(other_route, 1)
        move_customer(actor=cast.supervisor, customer=mover, route=route, sequence=1)
        first.refresh_from_db(), second.refresh_from_db(), mover.refresh_from_db()
        assert (mover.route, mover.route_sequence) == (route, 1)
        assert (first.route_sequence, second.route_sequence) == (2, 3)
        assert mover.history.first().history_user == cast.supervisor

    def test_writes_an_event_on_the_customers_timeline(self, cast):
        route = make_route(make_day(cast.sp_a))
        customer = make_customer(route, 1)
        move_customer(actor=cast.supervisor, customer=customer, route=route, sequence=4)
        event = ProcessEvent.objects.get(customer=customer)
        assert event.verb == "reading.route_changed"
        assert event.actor == cast.supervisor

    def test_refuses_a_route_of_another_ulp(self, cast):
        customer = make_customer(make_route(make_day(cast.sp_a)))
        with pytest.raises(InvalidRoute):
            move_customer(
                actor=cast.unit_admin,
                customer=customer,
                route=RouteFactory(unit=cast.sp_a2),
                sequence=1,
            )


class ReadingSettingsTests:
    def test_a_unit_inherits_its_parents_settings(self, cast):
        ReadingSettings.objects.create(unit=cast.region, window_days=4)
        assert ReadingSettings.for_unit(cast.sp_a).window_days == 4

    def test_saving_starts_from_the_inherited_values_and_is_audited(self, cast):
        ReadingSettings.objects.create(unit=cast.area_a, window_days=4)
        row = update_reading_settings(
            actor=cast.unit_admin, unit=cast.sp_a, values={"average_factor": Decimal("2.5")}
        )
        assert (row.window_days, row.average_factor) == (4, Decimal("2.5"))
        assert row.history.get().history_user == cast.unit_admin

    def test_supervisor_can_not_change_settings(self, cast):
        with pytest.raises(NotAllowed):
            update_reading_settings(actor=cast.supervisor, unit=cast.sp_a, values={})
