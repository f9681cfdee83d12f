"""Issue #23, "A replaced meter leaves the KRN-2 campaign": a campaign meter swapped for a new
one through HOME, Peremajaan Kumulatif or the DIL import settles its target, voids its KCTs,
leaves the officer's work list and is counted on the dashboard as done by replacement."""

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_fsm import ConcurrentTransition

from meterops.core.errors import InvalidInput
from meterops.customers.choices import RemovalReason
from meterops.customers.meter_swaps import meters_rekeyed, meters_swapped
from meterops.customers.models import Meter
from meterops.customers.services import remove_meter
from meterops.keychange import errors
from meterops.keychange.choices import FailureReason, TargetState
from meterops.keychange.exports import progress_table
from meterops.keychange.models import CampaignTarget, KeyChangeToken
from meterops.keychange.queries import campaign_summary, progress_by, work_of
from meterops.keychange.services import (
    assign_targets,
    confirm_key_change,
    regenerate_kct,
)
from meterops.keychange.worklist import keychange_targets
from meterops.replacement.models import DamageType
from meterops.replacement.services import (
    DamageReport,
    NewMeter,
    new_meter_key,
    print_work_orders,
    record_replacement,
    report_damage,
    verify_target,
)
from tests.imports.conftest import applied, xlsx
from tests.replacement.conftest import jpeg

from .helpers import campaign_with, old_key_meter

PEREMAJAAN = [
    "NO_AGENDA",
    "IDPEL",
    "TGL_GANTI",
    "NO_METER_LAMA",
    "STAN_CABUT",
    "MERK_METER_BARU",
    "TYPE_METER_BARU",
    "NO_METER_BARU",
    "STAN_PASANG",
    "VKRN_METER_BARU",
]


def peremajaan(cast, meters, vkrn="43"):
    """One Peremajaan Kumulatif upload swapping each meter for a new one on ``vkrn``."""
    rows = [
        [f"AG{n:04d}", m.customer.customer_id, f"{timezone.localdate():%Y-%m-%d}",
         m.meter_number, "1000", "itron", "ACE", f"5700000{n:04d}", "0", vkrn]
        for n, m in enumerate(meters, start=1)
    ]  # fmt: skip
    return applied(cast.unit_admin, "peremajaan-kumulatif", xlsx(rows, headers=PEREMAJAAN))


@pytest.fixture
def worked(cast):
    """Three campaign meters: one KCT assigned to the officer, two still in the Bank KCT."""
    meters = [old_key_meter(cast.sp_a, meter_number=f"4610000000{n}") for n in range(3)]
    campaign = campaign_with(cast, meters)
    first = campaign.targets.get(meter=meters[0])
    assign_targets(actor=cast.unit_admin, targets=[first], officer=cast.officer)
    return campaign, meters


def target_of(meter) -> CampaignTarget:
    return CampaignTarget.objects.get(customer_id=meter.customer_id)


class NewMeterOnTheNewKeyTests:
    def test_peremajaan_closes_targets_as_done_by_replacement(self, cast, worked):
        _campaign, meters = worked
        peremajaan(cast, meters[:2])
        for meter in meters[:2]:
            target = target_of(meter)
            assert target.state == TargetState.REPLACED
            assert target.get_state_display() == "Selesai (meter diganti)"
            assert not target.process.is_open
            assert target.process.events.filter(verb="keychange.replaced").exists()
            assert not target.tokens.filter(voided_at__isnull=True).exists()
        assert target_of(meters[2]).state == TargetState.GENERATED
        assert target_of(meters[2]).tokens.filter(voided_at__isnull=True).count() == 1

    def test_the_officer_no_longer_has_it_to_do(self, cast, worked):
        _campaign, meters = worked
        assert [t.meter_id for t in work_of(cast.officer)] == [meters[0].pk]
        peremajaan(cast, meters[:1])
        assert not work_of(cast.officer).exists()
        assert keychange_targets(cast.officer) == []

    def test_dashboard_counts_it_apart_as_diganti(self, cast, worked, client_for):
        campaign, meters = worked
        peremajaan(cast, meters[:1])
        summary = campaign_summary(campaign)
        assert (summary["done"], summary["replaced"], summary["remaining"]) == (0, 1, 2)
        (unit,) = progress_by(cast.unit_admin, "unit")
        assert (unit["targeted"], unit["done"], unit["replaced"], unit["failed"]) == (3, 0, 1, 0)
        assert (unit["remaining"], unit["percent"]) == (2, 33)
        (row,) = list(progress_table([unit], []))
        assert row[2:6] == [3, 0, 1, 0]
        response = client_for(cast.unit_admin).get(reverse("keychange:dashboard"))
        assert b"Diganti" in response.content and b"bar-replaced" in response.content

    def test_dil_import_of_a_new_meter_on_vkrn_43(self, cast, worked):
        from tests.imports.test_dil_upload import HEADERS, _line

        _campaign, meters = worked
        meter = meters[1]
        customer = meter.customer
        line = _line(
            IDPEL=customer.customer_id,
            NAMA=customer.name,
            TARIF=customer.tariff,
            DAYA=customer.power_va,
            JENIS="PRABAYAR",
            NO_METER="56100000001",
            SGC="600001",
            TI="01",
            VKRN="43",
            KT="2",
        )
        upload = applied(cast.unit_admin, "dil", xlsx([line], headers=HEADERS))
        assert upload.changed_rows + upload.new_rows == 1
        assert target_of(meter).state == TargetState.REPLACED
        assert not KeyChangeToken.objects.filter(
            target__meter=meter, voided_at__isnull=True
        ).exists()

    def test_a_batch_settles_in_the_same_statements_as_one_swap(self, cast, worked):
        """Set-based: the queries do not grow with the batch's meters."""
        _campaign, meters = worked
        swaps = []
        for n, meter in enumerate(meters):
            Meter.objects.filter(pk=meter.pk).update(removed_at=timezone.localdate())
            new = Meter.objects.create(
                customer=meter.customer, brand="ITRON", meter_number=f"5800000000{n}", vkrn=43
            )
            swaps.append((meter.pk, new.pk))
        with CaptureQueriesContext(connection) as one:
            meters_swapped(swaps[:1], actor=cast.unit_admin)
        with CaptureQueriesContext(connection) as two:
            meters_swapped(swaps[1:], actor=cast.unit_admin)
        assert len(two) == len(one)
        assert set(CampaignTarget.objects.values_list("state", flat=True)) == {TargetState.REPLACED}


class DismantledMeterTests:
    """Bongkar rampung takes the meter out without a new one: its target leaves the campaign."""

    def test_the_target_closes_its_kcts_void_and_the_officer_no_longer_has_it(self, cast, worked):
        campaign, meters = worked
        remove_meter(
            customer=meters[0].customer,
            removed_on=timezone.localdate(),
            reason=RemovalReason.DISMANTLED,
            actor=cast.supervisor,
        )
        target = target_of(meters[0])
        assert target.state == TargetState.DISMANTLED
        assert target.get_state_display() == "Ditutup (meter dibongkar)"
        assert not target.process.is_open
        assert target.process.events.filter(verb="keychange.dismantled").exists()
        assert not target.tokens.filter(voided_at__isnull=True).exists()
        assert not work_of(cast.officer).exists()
        # It counts in no column: two meters are left to upgrade.
        summary = campaign_summary(campaign)
        assert (summary["targeted"], summary["failed"], summary["remaining"]) == (2, 0, 2)
        (unit,) = progress_by(cast.unit_admin, "unit")
        assert (unit["targeted"], unit["remaining"], unit["percent"]) == (2, 2, 0)

    def test_an_upgraded_meter_dismantled_later_stays_upgraded(self, cast, worked):
        _campaign, meters = worked
        peremajaan(cast, meters[:1])
        new_meter = meters[0].customer.current_meter
        remove_meter(
            customer=new_meter.customer,
            removed_on=timezone.localdate(),
            reason=RemovalReason.DISMANTLED,
            actor=cast.supervisor,
        )
        assert target_of(meters[0]).state == TargetState.REPLACED


class RekeyedInPlaceTests:
    """A prepaid PD keeps the meter and its KCTs move it to the KRN-2 key (seed 002)."""

    def test_the_target_succeeds_its_pairs_void_and_it_counts_as_done(self, cast, worked):
        campaign, meters = worked
        Meter.objects.filter(pk=meters[0].pk).update(vkrn=43, key_revision=2)
        meters_rekeyed([meters[0].pk, meters[1].pk], actor=cast.supervisor, note="KCT PD-1")
        target = target_of(meters[0])
        assert (target.state, target.proof) == (TargetState.SUCCEEDED, "pd")
        assert target.updated_key_at is not None and target.confirmed_by == cast.supervisor
        assert not target.process.is_open
        assert target.process.events.filter(verb="keychange.rekeyed", note="KCT PD-1").exists()
        assert not target.tokens.filter(voided_at__isnull=True).exists()
        assert not work_of(cast.officer).exists()
        # The second meter is still on VKRN 41: its target stays.
        assert target_of(meters[1]).state == TargetState.GENERATED
        summary = campaign_summary(campaign)
        assert (summary["done"], summary["remaining"]) == (1, 2)


def replaced_through_home(cast, worked, vkrn=None):
    """The campaign's first meter found broken and replaced through HOME; returns the old meter."""
    _campaign, meters = worked
    damage_type, _made = DamageType.objects.get_or_create(
        code="display-mati", defaults={"name": "Display mati / blank"}
    )
    report = DamageReport(damage_type=damage_type, reading_at_discovery=Decimal("1500.50"))
    home = report_damage(
        actor=cast.supervisor, customer=meters[0].customer, report=report, photos=[jpeg()]
    )
    home = verify_target(target=home, actor=cast.supervisor)
    print_work_orders(targets=[home], actor=cast.supervisor)
    home.refresh_from_db()
    record_replacement(
        target=home,
        actor=cast.supervisor,
        officer=cast.officer,
        new_meter=NewMeter(
            brand="hexing",
            meter_number="56000000009",
            initial_reading=Decimal("0"),
            vkrn=vkrn,
        ),
        old_final_reading=Decimal("1520.00"),
        replaced_on=timezone.localdate(),
        photos=[jpeg("sebelum.jpg"), jpeg("sesudah.jpg")],
    )
    return meters[0]


class NewMeterOnAnOldKeyTests:
    @pytest.fixture
    def home_replaced(self, cast, worked):
        """The assigned meter found broken and replaced through HOME: the new meter keeps the
        customer's key data (VKRN 41), as HOME records it."""
        return replaced_through_home(cast, worked)

    def test_home_replacement_with_a_new_meter_on_vkrn_43_closes_the_target(self, cast, worked):
        """The officer records that the new meter from the factory is on the KRN-2 key."""
        meter = replaced_through_home(cast, worked, vkrn=43)
        new_meter = meter.customer.current_meter
        assert (new_meter.vkrn, new_meter.key_revision) == (43, 2)
        assert new_meter.supply_group == meter.supply_group  # the rest of the key data kept
        target = target_of(meter)
        assert target.state == TargetState.REPLACED
        assert not target.process.is_open
        assert not target.tokens.filter(voided_at__isnull=True).exists()

    def test_a_vkrn_for_a_postpaid_meter_is_refused_by_name(self, cast, worked):
        _campaign, meters = worked
        customer = meters[0].customer
        customer.payment_mode = "postpaid"
        customer.save()
        with pytest.raises(InvalidInput) as refused:
            new_meter_key(customer, 43)
        assert refused.value.field == "new_meter_vkrn"
        assert new_meter_key(customer, None) == {}

    def test_home_replacement_moves_the_target_to_the_new_meter(self, cast, home_replaced):
        target = target_of(home_replaced)
        new_meter = home_replaced.customer.current_meter
        assert new_meter.meter_number == "56000000009" and new_meter.vkrn == 41
        assert target.meter == new_meter
        assert target.state == TargetState.FAILED
        assert target.failure_reason == FailureReason.PARAMETERS_CHANGED
        assert target.process.is_open
        assert target.process.events.filter(verb="keychange.meter_replaced").exists()
        assert not target.tokens.filter(voided_at__isnull=True).exists()
        assert not work_of(cast.officer).exists()

    def test_the_new_meter_gets_its_own_pair(self, cast, home_replaced):
        target = target_of(home_replaced)
        old = target.tokens.get()
        kct = regenerate_kct(actor=cast.unit_admin, target=target)
        assert kct.token_1 != old.token_1 and kct.target.meter.meter_number == "56000000009"


class RaceWithTheOfficerTests:
    """The officer confirms the KCT in the same second the replacement lands."""

    def test_confirmation_after_the_replacement_is_refused(self, cast, worked):
        _campaign, meters = worked
        seen_by_officer = target_of(meters[0])  # the form the officer opened: Ditugaskan
        peremajaan(cast, meters[:1])
        with pytest.raises(errors.TargetWrongState):
            confirm_key_change(actor=cast.officer, target=seen_by_officer, display="KRN 02 KT 02")
        target = target_of(meters[0])
        assert target.state == TargetState.REPLACED and target.confirmed_at is None
        assert Meter.objects.get(pk=meters[0].pk).vkrn == 41  # the old key stays on record

    def test_a_stale_save_of_the_target_is_a_concurrent_transition(self, cast, worked):
        _campaign, meters = worked
        stale = target_of(meters[0])
        peremajaan(cast, meters[:1])
        stale.succeed(by=cast.officer, when=timezone.now(), display="KRN 02 KT 02")
        with pytest.raises(ConcurrentTransition), transaction.atomic():
            stale.save()
        assert target_of(meters[0]).state == TargetState.REPLACED

    def test_a_confirmation_before_the_replacement_stands(self, cast, worked):
        _campaign, meters = worked
        target = confirm_key_change(
            actor=cast.officer, target=target_of(meters[0]), display="KRN 02 KT 02"
        )
        used = target.tokens.get()
        peremajaan(cast, meters[:1])
        target.refresh_from_db()
        used.refresh_from_db()
        assert target.state == TargetState.SUCCEEDED and used.voided_at is None
