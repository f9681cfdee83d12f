"""Pola pengesahan per unit, the refusal that names its customers, jam nyala decided once
(seed 001, issue #19)."""

from decimal import Decimal

import pytest

from meterops.core.errors import InvalidInput, WrongState
from meterops.reading.choices import ApprovalScope, ReadingState
from meterops.reading.errors import NothingToDo, ReadingDayIncomplete
from meterops.reading.models import Reading, ReadingSettings, previous_period
from meterops.reading.queries import pending_approval
from meterops.reading.services import (
    approvable,
    approve_reading_day,
    mark_posting_taken,
    send_reading_day,
    update_reading_settings,
)
from meterops.reading.validation import validate_readings
from tests.factories import UserFactory

from .helpers import PERIOD, make_approver, make_customer, make_day, make_reading, make_route

SENT = ReadingState.SENT


def _by_route(unit, **values):
    return ReadingSettings.objects.create(unit=unit, approval_scope=ApprovalScope.ROUTE, **values)


class ApprovalPatternTests:
    """Seed 001: "pola pengesahannya disesuaikan pada regulasi atau kesepakatan Unit PLN"."""

    def test_a_ulp_inherits_the_pattern_of_its_up3(self, cast, day):
        _by_route(cast.area_a)
        route = make_route(day)
        check = approvable(reading_day=day, period=PERIOD, route=route)
        assert check.pattern.approval_scope == ApprovalScope.ROUTE
        assert check.pattern.unit == cast.area_a

    def test_by_route_approves_one_rbm_while_another_is_still_unread(self, cast, day, approver):
        _by_route(cast.area_a)
        ready, unread = make_route(day, "RBM1"), make_route(day, "RBM2")
        reading = make_reading(make_customer(ready), state=SENT)
        make_customer(unread, 1)
        result = approve_reading_day(actor=approver, reading_day=day, period=PERIOD, route=ready)
        assert result.approval.route == ready
        assert "RBM1" in result.approval.posting.number
        reading.refresh_from_db()
        assert reading.state == ReadingState.APPROVED
        with pytest.raises(ReadingDayIncomplete):
            approve_reading_day(actor=approver, reading_day=day, period=PERIOD, route=unread)

    def test_by_route_needs_a_route(self, cast, day, approver):
        _by_route(cast.sp_a)
        make_reading(make_customer(make_route(day)), state=SENT)
        with pytest.raises(InvalidInput, match="per RBM"):
            approve_reading_day(actor=approver, reading_day=day, period=PERIOD)

    def test_by_reading_day_refuses_a_route(self, day, approver):
        route = make_route(day)
        make_reading(make_customer(route), state=SENT)
        with pytest.raises(InvalidInput, match="per hari baca"):
            approve_reading_day(actor=approver, reading_day=day, period=PERIOD, route=route)

    def test_a_route_of_another_reading_day_is_refused(self, cast, day, approver):
        _by_route(cast.sp_a)
        other = make_route(make_day(cast.sp_a, code="B"))
        with pytest.raises(InvalidInput, match="tidak ada di hari baca"):
            approve_reading_day(actor=approver, reading_day=day, period=PERIOD, route=other)

    def test_without_pengawas_the_vendor_sends_what_it_verified(self, cast, day, approver):
        ReadingSettings.objects.create(unit=cast.sp_a, supervisor_verification_required=False)
        reading = make_reading(make_customer(make_route(day)), state=ReadingState.VENDOR_VERIFIED)
        vendor = UserFactory(
            username="vendor.a", contractor=cast.contractor_a, roles=["contractor_admin"]
        )
        assert send_reading_day(actor=vendor, reading_day=day, period=PERIOD) == 1
        approve_reading_day(actor=approver, reading_day=day, period=PERIOD)
        reading.refresh_from_db()
        assert reading.state == ReadingState.APPROVED

    def test_with_pengawas_required_vendor_verified_is_not_sent(self, cast, day):
        make_reading(make_customer(make_route(day)), state=ReadingState.VENDOR_VERIFIED)
        vendor = UserFactory(
            username="vendor.a", contractor=cast.contractor_a, roles=["contractor_admin"]
        )
        with pytest.raises(NothingToDo):
            send_reading_day(actor=vendor, reading_day=day, period=PERIOD)

    def test_a_units_first_own_row_starts_from_what_it_inherited(self, cast):
        _by_route(cast.area_a, supervisor_verification_required=False)
        row = update_reading_settings(
            actor=cast.unit_admin, unit=cast.sp_a, values={"window_days": 4}
        )
        assert (row.approval_scope, row.supervisor_verification_required) == ("route", False)

    def test_manual_taken_button_is_refused_where_billing_pulls_by_api(self, cast, day, approver):
        make_reading(make_customer(make_route(day)), state=SENT)
        posting = approve_reading_day(
            actor=approver, reading_day=day, period=PERIOD
        ).approval.posting
        ReadingSettings.objects.create(unit=cast.sp_a, billing_pulls_postings=True)
        with pytest.raises(WrongState, match="lewat API"):
            mark_posting_taken(actor=approver, posting=posting)


class RefusalNamesCustomersTests:
    """Seed 001: "bisa dilakukan setelah semua data pelanggan yang dibaca telah terisi stan
    per kode kelompok hari baca dan sudah verifikasi serta sudah dikirimkan"."""

    def test_names_each_missing_step_and_its_customers(self, day, approver):
        route = make_route(day)
        make_reading(make_customer(route, 1, customer_id="510010000001"), state=SENT)
        make_customer(route, 2, customer_id="510010000002")
        make_reading(make_customer(route, 3, customer_id="510010000003"))
        make_reading(
            make_customer(route, 4, customer_id="510010000004"),
            state=ReadingState.VENDOR_VERIFIED,
        )
        make_reading(
            make_customer(route, 5, customer_id="510010000005"), state=ReadingState.VERIFIED
        )
        with pytest.raises(ReadingDayIncomplete) as refused:
            approve_reading_day(actor=approver, reading_day=day, period=PERIOD)
        message = str(refused.value.message)
        assert "4 pelanggan" in message
        assert "Belum terbaca: 510010000002" in message
        assert "Belum diverifikasi Admin Vendor: 510010000003" in message
        assert "Belum diverifikasi Pengawas: 510010000004" in message
        assert "Belum dikirim Admin Vendor: 510010000005" in message
        assert "510010000001" not in message
        assert len(refused.value.extra["customers"]) == 4

    def test_a_long_list_is_cut_and_says_how_many_more(self, day, approver):
        route = make_route(day)
        for n in range(1, 24):
            make_customer(route, n)
        with pytest.raises(ReadingDayIncomplete, match="dan 3 lainnya"):
            approve_reading_day(actor=approver, reading_day=day, period=PERIOD)


class JamNyalaDecidedOnceTests:
    """Seed 001: "Pelanggan dengan jam nyala lebih dari 2000 jam nyala tidak dapat disahkan"."""

    def _reading(self, day, register):
        customer = make_customer(make_route(day), power_va=100_000)
        make_reading(
            customer,
            period=previous_period(PERIOD),
            register="1000",
            state=ReadingState.APPROVED,
        )
        reading = make_reading(customer, register=register, state=SENT)
        validate_readings(reading_day=day, period=PERIOD)
        reading.refresh_from_db()
        return reading

    def test_2000_001_hours_is_neither_flagged_nor_held(self, day, approver):
        # 200 000,10 kWh on 100 kVA = 2000,001 h, stored and shown as 2000,00 h. Before
        # issue #19 the flag judged 2000,001 (flagged) and the approval 2000,00 (approved).
        reading = self._reading(day, "201000.10")
        assert reading.hours_on == Decimal("2000.00")
        assert not reading.flag_hours_on
        assert not reading.is_blocked
        result = approve_reading_day(actor=approver, reading_day=day, period=PERIOD)
        assert result.approval.approved_count == 1

    def test_2000_01_hours_is_flagged_and_held(self, day, approver):
        reading = self._reading(day, "201001.00")
        assert reading.hours_on == Decimal("2000.01")
        assert reading.flag_hours_on and reading.is_blocked
        with pytest.raises(NothingToDo, match="1 tertahan"):
            approve_reading_day(actor=approver, reading_day=day, period=PERIOD)
        assert Reading.objects.get(pk=reading.pk).state == SENT


class PendingPeriodTests:
    def test_is_the_oldest_blth_with_readings_waiting(self, cast, day, approver):
        route = make_route(day)
        old, new = previous_period(PERIOD, 2), PERIOD
        make_reading(make_customer(route, 1), period=old, state=ReadingState.APPROVED)
        make_reading(make_customer(route, 2), period=previous_period(PERIOD), state=SENT)
        make_reading(make_customer(route, 3), period=new, state=SENT)
        assert pending_approval(approver) == (day.pk, previous_period(PERIOD))

    def test_another_units_waiting_readings_do_not_count(self, cast, day):
        make_reading(make_customer(make_route(day)), state=SENT)
        assert pending_approval(make_approver(cast.sp_b, "spvte.b")) is None
