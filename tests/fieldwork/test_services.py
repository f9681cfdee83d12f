"""The services of seed 004: sampling, accuracy, prepaid sampling, routes, notices, arrears."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from meterops.core.errors import FileRejected, InvalidInput, NotAllowed, NotFound, WrongState
from meterops.core.models import ProcessEvent
from meterops.fieldwork import queries, services
from meterops.fieldwork.choices import NoticeMaterial, NoticeOutcome, OrderKind, OrderState
from meterops.fieldwork.errors import AlreadyPaid, BatchRejected
from meterops.fieldwork.models import Arrears, AuditMonth, FieldOrder, MoveProposal
from meterops.reading.choices import ReadingState
from meterops.replacement.models import DamageType, ReplacementTarget
from tests.core.image_files import files_in_media, huge_png
from tests.factories import CustomerFactory, SubstationFactory
from tests.fieldwork.helpers import arrears, disconnect, disconnection_order, jpeg, print_notice
from tests.reading.helpers import PERIOD, anomaly, make_customer, make_day, make_reading, make_route

pytestmark = pytest.mark.django_db


def _readings(unit, routes=2, per_route=20, readers=("ANA", "BUDI")):
    day = make_day(unit, code=f"D{unit.code}")
    made = []
    for _r in range(routes):
        route = make_route(day)
        for i in range(per_route):
            customer = make_customer(route, sequence=i + 1)
            made.append(
                make_reading(customer, register=str(1000 + i), reader=readers[i % len(readers)])
            )
    return made


def _audit(cast, seed=42):
    return services.draw_audit_sample(
        actor=cast.supervisor, unit=cast.sp_a, period=PERIOD, seed=seed
    )


class DrawAuditSampleTests:
    def test_same_seed_same_sample(self, cast):
        _readings(cast.sp_a)
        first = set(_audit(cast).samples.values_list("reading_id", flat=True))
        AuditMonth.objects.all().delete()
        second = set(_audit(cast).samples.values_list("reading_id", flat=True))
        assert first == second and first

    def test_stratified_by_route_and_reader_with_minimum(self, cast):
        _readings(cast.sp_a)  # 2 routes x 2 readers x 10 readings; 5 % -> ceil = 1 each
        audit = _audit(cast)
        strata = set(audit.samples.values_list("route_id", "reader"))
        assert audit.samples.count() == 4 and len(strata) == 4

    def test_never_samples_another_unit(self, cast):
        _readings(cast.sp_a, routes=1, per_route=4)
        others = {r.pk for r in _readings(cast.sp_a2, routes=1, per_route=4)}
        sampled = set(_audit(cast).samples.values_list("reading_id", flat=True))
        assert sampled and not sampled & others

    def test_outsider_cannot_draw(self, cast):
        _readings(cast.sp_a, routes=1, per_route=2)
        with pytest.raises(NotFound):
            services.draw_audit_sample(actor=cast.outsider, unit=cast.sp_a, period=PERIOD)

    def test_twice_is_refused(self, cast):
        _readings(cast.sp_a, routes=1, per_route=2)
        _audit(cast)
        with pytest.raises(WrongState):
            _audit(cast)

    def test_month_without_readings_is_refused_and_not_locked(self, cast):
        """Issue #19: "Sampel 0 stan dari 0", then "sudah diambil" on every retry."""
        with pytest.raises(InvalidInput, match="Belum ada stan hasil baca") as refused:
            _audit(cast)
        assert refused.value.field == "period"
        assert not AuditMonth.objects.exists()
        _readings(cast.sp_a, routes=1, per_route=2)
        assert _audit(cast).population == 2  # the month is still open once readings arrive

    def test_month_of_estimates_only_is_refused(self, cast):
        day = make_day(cast.sp_a)
        make_reading(make_customer(make_route(day)), is_estimate=True)
        with pytest.raises(InvalidInput):
            _audit(cast)
        assert not AuditMonth.objects.exists()

    def test_reading_off_schedule_is_flagged(self, cast):
        day = make_day(cast.sp_a, day_of_month=15)
        customer = make_customer(make_route(day))
        make_reading(customer, read_at=timezone.make_aware(timezone.datetime(2026, 2, 18, 9, 0)))
        sample = _audit(cast).samples.get()
        assert sample.deviation_days == 3 and sample.on_schedule is False

    def test_stored_schedule_check_matches_the_rule_across_local_midnight(self, cast):
        from datetime import datetime
        from zoneinfo import ZoneInfo

        day = make_day(cast.sp_a, day_of_month=15)
        route = make_route(day)
        utc = ZoneInfo("UTC")
        times = [
            datetime(2026, 2, 13, 17, 30, tzinfo=utc),  # 14 Feb 00:30 WIB: -1
            datetime(2026, 2, 13, 16, 30, tzinfo=utc),  # 13 Feb 23:30 WIB: -2
            datetime(2026, 2, 16, 16, 59, tzinfo=utc),  # 16 Feb 23:59 WIB: +1
            datetime(2026, 2, 16, 17, 0, tzinfo=utc),
        ]  # 17 Feb 00:00 WIB: +2
        for i, read_at in enumerate(times):
            make_reading(make_customer(route, sequence=i + 1), read_at=read_at, reader="ANA")
        cast.sp_a.settings_or_default()
        from meterops.core.models import UnitSettings

        UnitSettings.objects.create(unit=cast.sp_a, audit_sample_percent=100)
        samples = _audit(cast).samples.order_by("read_at")
        assert [s.deviation_days for s in samples] == [-2, -1, 1, 2]
        assert [s.on_schedule for s in samples] == [False, True, True, False]
        for s in samples:
            assert s.deviation_days == services.schedule_deviation(
                read_at=s.read_at, scheduled_on=s.scheduled_on, zone="Asia/Jakarta"
            )


class AccuracyCheckTests:
    def _order(self, cast):
        _readings(cast.sp_a, routes=1, per_route=1, readers=("ANA",))
        audit = _audit(cast)
        assert services.issue_accuracy_orders(actor=cast.supervisor, audit=audit) == 1
        order = FieldOrder.objects.get(kind=OrderKind.ACCURACY_CHECK)
        services.assign_orders(
            actor=cast.supervisor, orders=FieldOrder.objects.all(), officer=cast.officer
        )
        order.refresh_from_db()
        return order

    def test_accurate_within_tolerance(self, cast):
        order = self._order(cast)
        services.record_accuracy_check(
            actor=cast.officer, order=order, register_kwh=Decimal("1005"), photo=jpeg()
        )
        order.refresh_from_db()
        assert order.state == OrderState.DONE and order.sample.accurate is True

    def test_inaccurate_goes_back_to_reading_correction_on_verification(self, cast):
        order = self._order(cast)
        services.record_accuracy_check(
            actor=cast.officer, order=order, register_kwh=Decimal("1100"), photo=jpeg()
        )
        services.verify_order(actor=cast.supervisor, order=order)
        order.refresh_from_db()
        assert order.state == OrderState.VERIFIED and order.sample.accurate is False
        order.sample.reading.refresh_from_db()
        assert order.sample.reading.state == ReadingState.REREAD_REQUESTED
        assert "Audit akurasi" in order.sample.reading.reread_reason

    def test_photo_is_required(self, cast):
        order = self._order(cast)
        with pytest.raises(InvalidInput):
            services.record_accuracy_check(
                actor=cast.officer, order=order, register_kwh=Decimal("1000"), photo=None
            )

    def test_record_before_assignment_is_refused(self, cast):
        _readings(cast.sp_a, routes=1, per_route=1, readers=("ANA",))
        services.issue_accuracy_orders(actor=cast.supervisor, audit=_audit(cast))
        order = FieldOrder.objects.get()
        with pytest.raises(WrongState):
            services.record_accuracy_check(
                actor=cast.officer, order=order, register_kwh=Decimal("1000"), photo=jpeg()
            )

    def test_scorecard_figures(self, cast):
        order = self._order(cast)
        services.record_accuracy_check(
            actor=cast.officer, order=order, register_kwh=Decimal("1000"), photo=jpeg()
        )
        cards = queries.scorecards(cast.supervisor, PERIOD)
        assert cards["reader"][0]["accuracy_pct"] == Decimal("100.0")
        assert cards["contractor"][0]["name"] == cast.contractor_a.name
        assert queries.scorecards(cast.outsider, PERIOD)["reader"] == []
        assert len(queries.trend(cast.supervisor, PERIOD)) == 6


class PrepaidSamplingTests:
    def _order(self, cast):
        customer = CustomerFactory(unit=cast.sp_a, payment_mode="prepaid")
        services.issue_prepaid_sampling_orders(
            actor=cast.supervisor, customers=type(customer).objects.all()
        )
        services.assign_orders(
            actor=cast.supervisor, orders=FieldOrder.objects.all(), officer=cast.officer
        )
        return FieldOrder.objects.get()

    def test_postpaid_customers_are_not_sampled_and_each_is_told_why(self, cast):
        postpaid = CustomerFactory(unit=cast.sp_a)
        from meterops.customers.models import Customer

        outcome = services.issue_prepaid_sampling_orders(
            actor=cast.supervisor, customers=Customer.objects.all()
        )
        assert outcome.issued == 0
        assert "pascabayar" in outcome.refused[postpaid.customer_id]

    def test_a_customer_with_an_open_order_is_named_with_it(self, cast):
        order = self._order(cast)
        from meterops.customers.models import Customer

        outcome = services.issue_prepaid_sampling_orders(
            actor=cast.supervisor, customers=Customer.objects.all()
        )
        assert outcome.issued == 0
        assert order.reference in outcome.refused[order.customer.customer_id]

    def test_coordinates_required(self, cast):
        with pytest.raises(InvalidInput):
            services.record_prepaid_sampling(
                actor=cast.officer,
                order=self._order(cast),
                credit_kwh=Decimal(12),
                photo=jpeg(),
                anomaly=None,
                latitude=None,
                longitude=None,
            )

    def test_anomaly_becomes_home_target_in_one_action(self, cast):
        order = services.record_prepaid_sampling(
            actor=cast.officer,
            order=self._order(cast),
            credit_kwh=Decimal(12),
            photo=jpeg(),
            anomaly=anomaly("MR", "Meter rusak"),
            latitude=Decimal("-6.9"),
            longitude=Decimal("107.6"),
        )
        damage = DamageType.objects.get_or_create(code="mati", defaults={"name": "Mati"})[0]
        order = services.anomaly_to_replacement_target(
            actor=cast.supervisor, order=order, damage_type=damage
        )
        target = ReplacementTarget.objects.get()
        assert order.replacement_target == target
        assert target.source == "fault" and target.from_reading_anomaly
        with pytest.raises(WrongState):
            services.anomaly_to_replacement_target(
                actor=cast.supervisor, order=order, damage_type=damage
            )


class RouteUpdateTests:
    def test_mismatch_survey_proposal_verify_apply(self, cast):
        day = make_day(cast.sp_a)
        route, other_route = make_route(day), make_route(day)
        main, odd = SubstationFactory(unit=cast.sp_a), SubstationFactory(unit=cast.sp_a)
        for i in range(3):
            make_customer(route, sequence=i + 1, substation=main)
        stray = make_customer(route, sequence=9, substation=odd)
        from meterops.customers.models import Customer

        rows = services.route_substation_mismatches(Customer.objects.filter(unit=cast.sp_a))
        assert [r["customer"] for r in rows] == [stray]
        services.issue_survey_orders(
            actor=cast.supervisor, customers=Customer.objects.filter(pk=stray.pk)
        )
        order = FieldOrder.objects.get(kind=OrderKind.SURVEY)
        services.assign_orders(
            actor=cast.supervisor, orders=FieldOrder.objects.all(), officer=cast.officer
        )
        services.record_survey(
            actor=cast.officer,
            order=order,
            route=other_route,
            substation=None,
            sequence=4,
            note="di gang sebelah",
        )
        proposal = MoveProposal.objects.get()
        assert services.apply_move_proposals(actor=cast.supervisor, unit=cast.sp_a) == 0
        services.decide_move_proposals(
            actor=cast.supervisor, proposals=MoveProposal.objects.all(), accept=True
        )
        assert services.apply_move_proposals(actor=cast.supervisor, unit=cast.sp_a) == 1
        stray.refresh_from_db()
        proposal.refresh_from_db()
        assert stray.route == other_route and stray.route_sequence == 4
        assert proposal.state == "applied"

    def test_kwh_per_route_per_substation(self, cast):
        day = make_day(cast.sp_a)
        route = make_route(day)
        gardu = SubstationFactory(unit=cast.sp_a)
        for i in range(2):
            make_reading(
                make_customer(route, sequence=i, substation=gardu), consumption_kwh=Decimal("150")
            )
        from meterops.reading.models import Reading

        [row] = services.kwh_per_route_substation(Reading.objects.all())
        assert row["kwh"] == Decimal("300") and row["customers"] == 2


class NoticeTests:
    def test_campaign_outcome_and_progress(self, cast):
        customers = [CustomerFactory(unit=cast.sp_a) for _ in range(2)]
        from meterops.customers.models import Customer

        campaign = services.create_campaign(
            actor=cast.supervisor,
            unit=cast.sp_a,
            name="Brosur tarif",
            material=NoticeMaterial.BROCHURE,
            customers=Customer.objects.all(),
        )
        assert campaign.orders.count() == 2
        services.assign_orders(
            actor=cast.supervisor, orders=campaign.orders.all(), officer=cast.officer
        )
        order = campaign.orders.get(customer=customers[0])
        with pytest.raises(InvalidInput):
            services.record_notice(
                actor=cast.officer, order=order, outcome=NoticeOutcome.IN_PERSON, photo=jpeg()
            )
        services.record_notice(
            actor=cast.officer,
            order=order,
            outcome=NoticeOutcome.IN_PERSON,
            photo=jpeg(),
            initials="AS",
        )
        [row] = queries.campaigns_for(cast.supervisor)
        assert (row.total, row.done, row.delivered) == (2, 1, 1)
        assert queries.campaigns_for(cast.outsider) == []

    def test_signature_of_too_many_pixels_is_refused(self, cast):
        from meterops.customers.models import Customer

        CustomerFactory(unit=cast.sp_a)
        campaign = services.create_campaign(
            actor=cast.supervisor,
            unit=cast.sp_a,
            name="Brosur tarif",
            material=NoticeMaterial.BROCHURE,
            customers=Customer.objects.all(),
        )
        services.assign_orders(
            actor=cast.supervisor, orders=campaign.orders.all(), officer=cast.officer
        )
        with pytest.raises(FileRejected, match="12000×12000 piksel") as refused:
            services.record_notice(
                actor=cast.officer,
                order=campaign.orders.get(),
                outcome=NoticeOutcome.IN_PERSON,
                photo=jpeg(),
                signature=huge_png(12000, 12000),
            )
        assert refused.value.field == "signature"
        assert files_in_media() == []


class ArrearsBatchTests:
    def test_bad_row_changes_nothing(self, cast):
        customer = CustomerFactory(unit=cast.sp_a)
        rows = [
            services.ArrearsRow(2, customer.customer_id, 3, Decimal(1)),
            services.ArrearsRow(3, "999999999999", 2, Decimal(1)),
        ]
        with pytest.raises(BatchRejected) as caught:
            services.apply_arrears_batch(actor=cast.supervisor, rows=rows)
        assert "Baris 3" in str(caught.value.message)
        assert not Arrears.objects.exists()

    def test_outsider_rows_are_rejected(self, cast, customer_b):
        rows = [services.ArrearsRow(2, customer_b.customer_id, 3, Decimal(1))]
        with pytest.raises(BatchRejected):
            services.apply_arrears_batch(actor=cast.supervisor, rows=rows)

    def test_zero_bills_records_the_payment(self, cast):
        customer = CustomerFactory(unit=cast.sp_a)
        row = services.ArrearsRow(2, customer.customer_id, 2, Decimal(100))
        assert services.apply_arrears_batch(actor=cast.supervisor, rows=[row])["created"] == 1
        paid = services.ArrearsRow(2, customer.customer_id, 0, Decimal(0))
        assert services.apply_arrears_batch(actor=cast.supervisor, rows=[paid])["paid"] == 1
        assert Arrears.objects.get().paid_at is not None


class DisconnectionTests:
    def test_one_bill_gets_no_disconnection_order(self, cast):
        a = arrears(CustomerFactory(unit=cast.sp_a), bills=1)
        with pytest.raises(WrongState):
            services.issue_disconnection_orders(
                actor=cast.supervisor, arrears=Arrears.objects.filter(pk=a.pk)
            )
        with pytest.raises(WrongState):
            print_notice(cast, Arrears.objects.all())

    def test_two_bills_get_notice_and_order(self, cast):
        order = disconnection_order(cast, bills=2)
        assert order.kind == OrderKind.DISCONNECTION and order.state == OrderState.ASSIGNED
        printed = print_notice(cast, Arrears.objects.all())
        assert printed[0].notice_printed_at is not None

    def test_payment_one_second_before_refuses_the_disconnection(self, cast):
        order = disconnection_order(cast)
        cut = timezone.now() - timedelta(minutes=5)
        order.issued_at = cut - timedelta(hours=1)
        order.save(update_fields=["issued_at"])
        Arrears.objects.filter(pk=order.arrears_id).update(paid_at=cut - timedelta(seconds=1))
        with pytest.raises(AlreadyPaid):
            disconnect(order, cast.officer, at=cut)
        order.refresh_from_db()
        assert order.state == OrderState.ASSIGNED

    def test_payment_one_second_after_does_not_refuse(self, cast):
        order = disconnection_order(cast)
        cut = timezone.now() - timedelta(minutes=5)
        order.issued_at = cut - timedelta(hours=1)
        order.save(update_fields=["issued_at"])
        Arrears.objects.filter(pk=order.arrears_id).update(paid_at=cut + timedelta(seconds=1))
        disconnect(order, cast.officer, at=cut)
        order.refresh_from_db()
        assert order.state == OrderState.DONE and order.done_at == cut

    def test_payment_after_disconnection_orders_reconnection_due_h_plus_one(self, cast):
        order = disconnection_order(cast)
        disconnect(order, cast.officer)
        services.record_payment(actor=cast.supervisor, customer=order.customer)
        arrears_row = Arrears.objects.get()
        reconnection = FieldOrder.objects.get(kind=OrderKind.RECONNECTION)
        assert reconnection.due_at == services.reconnection_due(
            paid_at=arrears_row.paid_at, zone="Asia/Jakarta"
        )
        assert not reconnection.is_overdue()
        assert reconnection.is_overdue(reconnection.due_at)
        services.assign_orders(
            actor=cast.supervisor,
            orders=FieldOrder.objects.filter(pk=reconnection.pk),
            officer=cast.officer,
        )
        services.record_reconnection(
            actor=cast.officer, order=reconnection, register_kwh=Decimal(501), photo=jpeg()
        )
        assert Arrears.objects.get().reconnected_at is not None
        verbs = set(ProcessEvent.objects.values_list("verb", flat=True))
        assert {"fieldwork.disconnected", "fieldwork.paid", "fieldwork.reconnected"} <= verbs

    def test_payment_before_disconnection_fails_the_open_order(self, cast):
        order = disconnection_order(cast)
        services.record_payment(actor=cast.supervisor, customer=order.customer)
        order.refresh_from_db()
        assert order.state == OrderState.FAILED
        assert not FieldOrder.objects.filter(kind=OrderKind.RECONNECTION).exists()

    def test_officer_of_another_unit_cannot_record(self, cast):
        order = disconnection_order(cast)
        with pytest.raises(NotFound):
            disconnect(order, cast.outsider)


class DismantlingTests:
    def _arrears(self, cast, days, bills=3):
        a = arrears(CustomerFactory(unit=cast.sp_a), bills=bills)
        local_today = timezone.localtime(timezone.now()).date()
        cut = timezone.make_aware(
            timezone.datetime.combine(
                local_today - timedelta(days=days), timezone.datetime.min.time()
            ).replace(hour=10)
        )
        Arrears.objects.filter(pk=a.pk).update(disconnected_at=cut)
        return Arrears.objects.filter(pk=a.pk)

    def test_day_59_refused(self, cast):
        with pytest.raises(WrongState):
            services.issue_dismantling_orders(
                actor=cast.supervisor, arrears=self._arrears(cast, 59)
            )

    def test_day_60_ordered(self, cast):
        assert (
            services.issue_dismantling_orders(
                actor=cast.supervisor, arrears=self._arrears(cast, 60)
            )
            == 1
        )

    def test_dashboard_lists_day_60_not_day_59(self, cast):
        from meterops.fieldwork.dashboard import deadline_panel

        self._arrears(cast, 59)
        day_60 = self._arrears(cast, 60).get()
        listed = deadline_panel(cast.supervisor)["dismantling"]
        assert [a.pk for a in listed] == [day_60.pk]
        assert deadline_panel(cast.outsider)["dismantling"] == []

    def test_two_bills_refused_even_late(self, cast):
        with pytest.raises(WrongState):
            services.issue_dismantling_orders(
                actor=cast.supervisor, arrears=self._arrears(cast, 90, bills=2)
            )


class OrderStateMachineTests:
    def test_verify_only_after_done_or_failed(self, cast):
        order = disconnection_order(cast)
        with pytest.raises(WrongState):
            services.verify_order(actor=cast.supervisor, order=order)
        services.fail_order(actor=cast.officer, order=order, reason="Pagar terkunci")
        services.verify_order(actor=cast.supervisor, order=order)
        order.refresh_from_db()
        assert order.state == OrderState.VERIFIED

    def test_officer_cannot_verify(self, cast):
        order = disconnection_order(cast)
        services.fail_order(actor=cast.officer, order=order, reason="x")
        with pytest.raises(NotAllowed):
            services.verify_order(actor=cast.officer, order=order)

    def test_cannot_assign_officer_of_another_unit(self, cast):
        from meterops.core.choices import RoleCode
        from tests.factories import UserFactory

        far = UserFactory(unit=cast.sp_b, roles=[RoleCode.FIELD_OFFICER])
        order = disconnection_order(cast)
        with pytest.raises(InvalidInput):
            services.assign_orders(
                actor=cast.supervisor, orders=FieldOrder.objects.filter(pk=order.pk), officer=far
            )


class ArrearsAgainAfterReconnectionTests:
    """A customer cut, paid and reconnected who falls into arrears again starts a new cycle:
    the arrears row could hold one cut, so the second disconnection was refused for ever."""

    def _cut_paid(self, cast, reconnected: bool):
        order = disconnection_order(cast)
        disconnect(order, cast.officer)
        services.record_payment(actor=cast.supervisor, customer=order.customer)
        if reconnected:
            reconnection = FieldOrder.objects.get(kind=OrderKind.RECONNECTION)
            services.assign_orders(
                actor=cast.supervisor,
                orders=FieldOrder.objects.filter(pk=reconnection.pk),
                officer=cast.officer,
            )
            services.record_reconnection(
                actor=cast.officer, order=reconnection, register_kwh=Decimal(501), photo=jpeg()
            )
        services.write_arrears_rows(
            actor=cast.supervisor, rows={order.customer_id: (3, Decimal(450000), None)}
        )
        return Arrears.objects.get(customer=order.customer_id)

    def test_a_reconnected_customer_can_be_cut_again(self, cast):
        row = self._cut_paid(cast, reconnected=True)
        assert row.disconnected_at is None and row.reconnected_at is None
        print_notice(cast, Arrears.objects.filter(pk=row.pk))
        services.issue_disconnection_orders(
            actor=cast.supervisor, arrears=Arrears.objects.filter(pk=row.pk)
        )
        cuts = FieldOrder.objects.filter(customer=row.customer_id, kind=OrderKind.DISCONNECTION)
        assert sorted(cuts.values_list("state", flat=True)) == [OrderState.DONE, OrderState.ISSUED]

    def test_one_still_waiting_for_reconnection_stays_cut(self, cast):
        row = self._cut_paid(cast, reconnected=False)
        assert row.disconnected_at is not None and row.paid_at is None
        print_notice(cast, Arrears.objects.filter(pk=row.pk))
        services.issue_disconnection_orders(
            actor=cast.supervisor, arrears=Arrears.objects.filter(pk=row.pk)
        )
        assert not FieldOrder.objects.filter(
            customer=row.customer_id, kind=OrderKind.DISCONNECTION, state=OrderState.ISSUED
        ).exists()
