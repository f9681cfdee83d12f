"""Pengesahan stan meter and its cancellation (seed 001; issue 7 steps 5-6)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meterops.core.errors import InvalidInput, NotAllowed
from meterops.core.models import ProcessEvent
from meterops.reading.choices import ReadingState
from meterops.reading.errors import (
    NothingToDo,
    PostingTaken,
    ReadingDayIncomplete,
)
from meterops.reading.importer import ReadingRow
from meterops.reading.models import BillingPosting, Reading
from meterops.reading.services import (
    approvable,
    approve_reading_day,
    cancel_approval,
    cancel_reading_day_approval,
    mark_posting_taken,
    write_reading_rows,
)

from .helpers import PERIOD, make_approver, make_customer, make_reading, make_route

SENT = ReadingState.SENT


@pytest.fixture
def readings(day):
    route = make_route(day)
    return [
        make_reading(make_customer(route, n), state=SENT, hours_on=Decimal(100)) for n in (1, 2)
    ]


def _approve(approver, day):
    return approve_reading_day(actor=approver, reading_day=day, period=PERIOD)


class ApproveReadingDayTests:
    def test_approves_every_sent_reading_into_one_posting(self, approver, day, readings):
        result = _approve(approver, day)
        posting = result.approval.posting
        assert result.approval.approved_count == 2
        assert set(posting.readings.values_list("state", flat=True)) == {"approved"}
        assert posting.number.startswith(f"P1F2-51001-{PERIOD}-A-")

    def test_writes_the_approval_into_each_readings_history(self, approver, day, readings):
        posting = _approve(approver, day).approval.posting
        for reading in readings:
            last = reading.history.first()
            assert (last.state, last.history_user, last.posting_id) == (
                "approved",
                approver,
                posting.pk,
            )
            assert last.history_change_reason == posting.number

    def test_refused_while_a_customer_of_the_day_is_not_sent(self, approver, day, readings):
        make_customer(readings[0].customer.route, 3)
        make_reading(make_customer(readings[0].customer.route, 4), state=ReadingState.VERIFIED)
        with pytest.raises(ReadingDayIncomplete, match="2 pelanggan"):
            _approve(approver, day)

    def test_jam_nyala_above_2000_stays_unapproved(self, approver, day, readings):
        Reading.objects.filter(pk=readings[1].pk).update(
            hours_on=Decimal("2000.01"), flag_hours_on=True
        )
        result = _approve(approver, day)
        assert result.approval.approved_count == 1
        assert list(result.blocked) == [readings[1]]
        readings[1].refresh_from_db()
        assert readings[1].state == SENT

    def test_can_be_pressed_again_for_readings_sent_later(self, approver, day, readings):
        _approve(approver, day)
        late = make_reading(make_customer(readings[0].customer.route, 3), state=SENT)
        second = _approve(approver, day)
        assert list(second.approval.posting.readings.all()) == [late]
        assert BillingPosting.objects.count() == 2

    def test_with_nothing_left_to_approve_it_says_so(self, approver, day, readings):
        _approve(approver, day)
        with pytest.raises(NothingToDo):
            _approve(approver, day)

    def test_only_the_reading_approver_of_that_ulp(self, cast, day, readings):
        with pytest.raises(NotAllowed):
            _approve(make_approver(cast.sp_a2, "spvte.a2"), day)
        with pytest.raises(NotAllowed):
            _approve(cast.supervisor, day)

    def test_an_approved_reading_can_not_be_re_uploaded(self, cast, approver, day, readings):
        _approve(approver, day)
        row = ReadingRow(
            row=2,
            customer_id=readings[0].customer.customer_id,
            register_kwh=Decimal(5),
            read_at=readings[0].read_at,
        )
        result, refused = write_reading_rows(actor=cast.vendor_a, period=PERIOD, rows=[row])
        assert [(r, c) for r, c, _m in refused] == [(2, "IDPEL")]
        assert result.replaced == 0


class CompletenessCheckTests:
    """Issue #20: after issue #19 the check looked each customer's reading up twice (3.0 s ->
    4.2 s for 200 000 readings); one NOT EXISTS, as before, is one anti-join."""

    def test_counts_the_waiting_with_one_lookup_of_the_readings(self, day, readings):
        check = approvable(reading_day=day, period=PERIOD)
        with CaptureQueriesContext(connection) as queries:
            assert check.waiting.count() == 0
        sql = queries.captured_queries[0]["sql"]
        assert sql.count('FROM "reading_reading"') == 1
        assert "NOT (EXISTS" in sql

    def test_names_each_waiting_customer_with_its_reading_state(self, day, readings):
        route = readings[0].customer.route
        unread = make_customer(route, 3)
        verified = make_reading(make_customer(route, 4), state=ReadingState.VERIFIED)
        check = approvable(reading_day=day, period=PERIOD)
        assert [(c.pk, c.reading_state) for c in check.waiting] == [
            (unread.pk, None),
            (verified.customer.pk, ReadingState.VERIFIED),
        ]


class CancelApprovalTests:
    def test_one_customer_goes_back_to_belum_disahkan(self, approver, day, readings):
        _approve(approver, day)
        reading = cancel_approval(actor=approver, reading=readings[0], reason="Stan salah ketik")
        assert (reading.state, reading.posting) == (SENT, None)
        event = ProcessEvent.objects.get(verb="reading.approval_cancelled")
        assert (event.note, event.from_state, event.to_state) == (
            "Stan salah ketik",
            "approved",
            "sent",
        )
        assert reading.history.first().history_user == approver

    def test_refused_once_billing_took_the_posting(self, approver, day, readings):
        posting = _approve(approver, day).approval.posting
        mark_posting_taken(actor=approver, posting=posting)
        with pytest.raises(PostingTaken):
            cancel_approval(actor=approver, reading=readings[0], reason="x")

    def test_needs_a_reason(self, approver, day, readings):
        _approve(approver, day)
        with pytest.raises(InvalidInput):
            cancel_approval(actor=approver, reading=readings[0], reason="")

    def test_whole_reading_day_spares_postings_billing_took(self, approver, day, readings):
        mark_posting_taken(actor=approver, posting=_approve(approver, day).approval.posting)
        late = make_reading(make_customer(readings[0].customer.route, 3), state=SENT)
        _approve(approver, day)
        count = cancel_reading_day_approval(
            actor=approver, reading_day=day, period=PERIOD, reason="Salah hari baca"
        )
        late.refresh_from_db()
        assert count == 1
        assert (late.state, late.posting) == (SENT, None)
        assert Reading.objects.filter(state=ReadingState.APPROVED).count() == 2
