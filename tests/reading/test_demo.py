from datetime import date

from django.core.management import call_command

from meterops.reading.choices import ReadingState
from meterops.reading.demo import demo_periods, generate_demo_readings
from meterops.reading.models import Approval, Reading, ReadingDay, RouteSchedule
from tests.factories import CustomerFactory, RouteFactory

from .helpers import make_approver


class SeedReadingDemoTests:
    def test_schedules_every_route_once_and_is_repeatable(self, cast):
        routes = [RouteFactory(unit=cast.sp_a) for _ in range(7)]
        call_command("seed_reading_demo", verbosity=0)
        call_command("seed_reading_demo", verbosity=0)
        assert ReadingDay.objects.filter(unit=cast.sp_a).count() == 5
        assert RouteSchedule.objects.filter(route__in=routes).count() == 7


class DemoReadingsTests:
    def _region(self, cast, per_route=40):
        routes = [RouteFactory(unit=cast.sp_a) for _ in range(5)]
        for route in routes:
            for n in range(1, per_route + 1):
                CustomerFactory(unit=cast.sp_a, route=route, route_sequence=n)
        call_command("seed_reading_demo", verbosity=0)  # days A-E, a route on each
        return routes

    def test_two_months_spread_over_the_states_by_reading_day(self, cast):
        make_approver(cast.sp_a)
        self._region(cast)
        older, last = demo_periods()
        states = {
            (code, period): set(
                Reading.objects.filter(reading_day__code=code, period=period).values_list(
                    "state", flat=True
                )
            )
            for code in "ABCDE"
            for period in (older, last)
        }
        assert all(states[(code, older)] == {ReadingState.APPROVED} for code in "ABCDE")
        assert ReadingState.APPROVED in states[("A", last)]
        assert states[("B", last)] == {ReadingState.SENT}
        assert states[("C", last)] == {ReadingState.VERIFIED}
        assert ReadingState.VENDOR_VERIFIED in states[("D", last)]
        assert states[("E", last)] == {ReadingState.READ}
        e_day = ReadingDay.objects.get(unit=cast.sp_a, code="E")
        assert Reading.objects.filter(reading_day=e_day, period=last).count() < 40
        assert Approval.objects.filter(period=last).exists()
        # validated by the real rules: the last month has use computed from the older one
        assert not Reading.objects.filter(period=last, consumption_kwh__isnull=True).exists()
        assert Reading.history.filter(period=last, history_change_reason="reading.verified")

    def test_blocked_customer_stays_unapproved_and_nothing_is_added_twice(self, cast):
        make_approver(cast.sp_a)
        self._region(cast, per_route=100)
        _older, last = demo_periods()
        blocked = Reading.objects.filter(period=last, reading_day__code="A", flag_hours_on=True)
        assert blocked.exists()
        assert set(blocked.values_list("state", flat=True)) == {ReadingState.SENT}
        count = Reading.objects.count()
        assert generate_demo_readings() == 0
        assert Reading.objects.count() == count

    def test_without_an_approver_the_older_month_waits_as_sent(self, cast):
        self._region(cast)
        older, _last = demo_periods()
        assert set(Reading.objects.filter(period=older).values_list("state", flat=True)) == {
            ReadingState.SENT
        }

    def test_periods_are_the_two_months_before_today(self):
        assert demo_periods(date(2026, 1, 20)) == ("202511", "202512")

    def test_whole_reading_days_up_to_the_customer_limit(self, cast, monkeypatch):
        from meterops.reading import demo

        monkeypatch.setattr(demo, "MAX_DEMO_READING_CUSTOMERS", 50)
        self._region(cast)  # five days of 40 customers
        days = set(Reading.objects.values_list("reading_day__code", flat=True))
        assert days == {"A"}
        assert Reading.objects.count() == 80  # both months of day A's 40 customers
