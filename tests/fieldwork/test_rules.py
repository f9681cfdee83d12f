"""Each rule of seed 004 at its boundaries (pure functions, no database)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from meterops.fieldwork import services

WIB, WIT = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Jayapura")
UTC = ZoneInfo("UTC")


class NeedsDisconnectionNoticeTests:
    def test_one_bill_is_not_enough(self):
        assert not services.needs_disconnection_notice(1)

    def test_two_bills_get_the_notice(self):
        assert services.needs_disconnection_notice(2)

    def test_three_bills_get_the_notice(self):
        assert services.needs_disconnection_notice(3)


class DismantlingEligibleTests:
    cut = datetime(2026, 1, 10, 20, 0, tzinfo=UTC)  # 11 Jan 03:00 WIB

    def eligible(self, bills=3, days=60, reconnected_at=None, zone="Asia/Jakarta"):
        today = date(2026, 1, 11) + timedelta(days=days)
        return services.dismantling_eligible(
            bills=bills,
            disconnected_at=self.cut,
            reconnected_at=reconnected_at,
            today=today,
            zone=zone,
        )

    def test_two_bills_never_dismantled(self):
        assert not self.eligible(bills=2, days=400)

    def test_three_bills_day_59_not_yet(self):
        assert not self.eligible(bills=3, days=59)

    def test_three_bills_day_60_eligible(self):
        assert self.eligible(bills=3, days=60)

    def test_days_count_from_the_local_disconnection_date(self):
        # In UTC the cut was on 10 Jan; in WIB on 11 Jan: day 60 counts from 11 Jan.
        today = date(2026, 1, 10) + timedelta(days=60)
        assert not services.dismantling_eligible(
            bills=3, disconnected_at=self.cut, reconnected_at=None, today=today, zone="Asia/Jakarta"
        )

    def test_reconnected_customer_not_eligible(self):
        assert not self.eligible(days=90, reconnected_at=self.cut + timedelta(days=2))

    def test_never_disconnected_not_eligible(self):
        assert not services.dismantling_eligible(
            bills=5,
            disconnected_at=None,
            reconnected_at=None,
            today=date(2026, 6, 1),
            zone="Asia/Jakarta",
        )


class IsPaidAtTests:
    moment = datetime(2026, 3, 1, 10, 0, 0, tzinfo=UTC)

    def test_paid_one_second_before_refuses(self):
        assert services.is_paid_at(paid_at=self.moment - timedelta(seconds=1), moment=self.moment)

    def test_paid_at_the_same_second_refuses(self):
        assert services.is_paid_at(paid_at=self.moment, moment=self.moment)

    def test_paid_one_second_after_does_not(self):
        assert not services.is_paid_at(
            paid_at=self.moment + timedelta(seconds=1), moment=self.moment
        )

    def test_unpaid(self):
        assert not services.is_paid_at(paid_at=None, moment=self.moment)


class ReconnectionDueTests:
    def test_h_plus_one_across_month_end_in_wib(self):
        paid = datetime(2026, 1, 31, 16, 30, tzinfo=UTC)  # 31 Jan 23:30 WIB
        due = services.reconnection_due(paid_at=paid, zone="Asia/Jakarta")
        assert due == datetime(2026, 2, 2, 0, 0, tzinfo=WIB)  # end of 1 Feb, local

    def test_same_utc_instant_is_next_day_in_wit(self):
        paid = datetime(2026, 1, 31, 16, 30, tzinfo=UTC)  # 1 Feb 01:30 WIT
        due = services.reconnection_due(paid_at=paid, zone="Asia/Jayapura")
        assert due == datetime(2026, 2, 3, 0, 0, tzinfo=WIT)

    def test_leap_february_end(self):
        paid = datetime(2028, 2, 29, 3, 0, tzinfo=WIB)
        assert services.reconnection_due(paid_at=paid, zone="Asia/Jakarta") == datetime(
            2028, 3, 2, 0, 0, tzinfo=WIB
        )

    def test_year_end(self):
        paid = datetime(2026, 12, 31, 8, 0, tzinfo=WIB)
        assert services.reconnection_due(paid_at=paid, zone="Asia/Jakarta") == datetime(
            2027, 1, 2, 0, 0, tzinfo=WIB
        )


class AccuracyTests:
    def test_at_tolerance_is_accurate(self):
        assert services.is_reading_accurate(
            read_kwh=Decimal("100"), checked_kwh=Decimal("105"), tolerance=Decimal("5")
        )

    def test_just_over_tolerance_is_not(self):
        assert not services.is_reading_accurate(
            read_kwh=Decimal("100"), checked_kwh=Decimal("105.01"), tolerance=Decimal("5")
        )

    def test_below_is_judged_the_same(self):
        assert not services.is_reading_accurate(
            read_kwh=Decimal("100"), checked_kwh=Decimal("94.99"), tolerance=Decimal("5")
        )


class ScheduleTests:
    def test_deviation_in_local_dates(self):
        read_at = datetime(2026, 2, 15, 18, 0, tzinfo=UTC)  # 16 Feb 01:00 WIB
        assert (
            services.schedule_deviation(
                read_at=read_at, scheduled_on=date(2026, 2, 15), zone="Asia/Jakarta"
            )
            == 1
        )

    def test_tolerance_boundary(self):
        assert services.is_on_schedule(deviation_days=-1, tolerance_days=1)
        assert not services.is_on_schedule(deviation_days=2, tolerance_days=1)
        assert not services.is_on_schedule(deviation_days=None, tolerance_days=1)


class StratumSampleTests:
    def test_same_seed_same_sample_whatever_the_order(self):
        ids = list(range(1, 201))
        a = services.stratum_sample(ids, percent=Decimal(10), minimum=1, seed=7, stratum="r1")
        b = services.stratum_sample(
            list(reversed(ids)), percent=Decimal(10), minimum=1, seed=7, stratum="r1"
        )
        assert a == b and len(a) == 20

    def test_other_seed_other_sample(self):
        ids = list(range(1, 201))
        a = services.stratum_sample(ids, percent=Decimal(10), minimum=1, seed=7, stratum="r1")
        b = services.stratum_sample(ids, percent=Decimal(10), minimum=1, seed=8, stratum="r1")
        assert a != b

    def test_minimum_and_ceiling(self):
        assert (
            len(
                services.stratum_sample(
                    [1, 2, 3], percent=Decimal(1), minimum=2, seed=1, stratum="x"
                )
            )
            == 2
        )
        assert (
            len(
                services.stratum_sample(
                    list(range(101)), percent=Decimal(1), minimum=0, seed=1, stratum="x"
                )
            )
            == 2
        )
        assert (
            services.stratum_sample([], percent=Decimal(50), minimum=3, seed=1, stratum="x") == []
        )
