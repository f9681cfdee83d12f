"""The KRN-2 upgrade rules of seed 003: Bank KCT, assignment, Berhasil/Gagal, regeneration."""

import pytest

from meterops import sts
from meterops.core.choices import RoleCode
from meterops.core.errors import DomainError, InvalidInput, NotAllowed
from meterops.core.models import ProcessEvent
from meterops.core.services import open_process
from meterops.customers.models import Meter
from meterops.keychange import errors
from meterops.keychange.choices import FailureReason, TargetState
from meterops.keychange.models import KeyChangeToken
from meterops.keychange.services import (
    CampaignFilter,
    assign_targets,
    confirm_key_change,
    generate_campaign,
    regenerate_kct,
    report_key_change_failure,
)
from meterops.vending.keys import upgrade_pair_for
from tests.factories import UserFactory
from tests.keychange.helpers import campaign_with, old_key_meter, prepare_keys


def virtual_meter(meter, pair):
    """The meter as it stands in the field: on its old key, made in 2020."""
    codec = pair.old.codec(meter, sts.DecoderKeyCache())
    return sts.VirtualMeter(
        decoder_key=codec.decoder_key,
        encryption=codec.encryption,
        base_date=codec.base_date,
        key_revision=pair.old.key_revision,
        tariff_index=int(meter.tariff_index),
        supply_group=meter.supply_group,
    )


class GenerateCampaignTests:
    def test_banks_one_kct_pair_per_old_key_meter(self, cast):
        meters = [old_key_meter(cast.sp_a), old_key_meter(cast.sp_a2)]
        campaign = campaign_with(cast, meters)
        assert campaign.targets.count() == 2
        kct = KeyChangeToken.objects.get(target__meter=meters[0])
        assert (kct.from_vkrn, kct.to_vkrn) == (41, 43)
        assert len(kct.tokens) == 2 and all(len(t) == 20 for t in kct.tokens)

    def test_kct_pair_moves_the_simulated_meter_to_krn_2(self, cast):
        meter = old_key_meter(cast.sp_a)
        campaign_with(cast, [meter])
        pair = upgrade_pair_for(cast.sp_a, 41)
        field = virtual_meter(meter, pair)
        for token in KeyChangeToken.objects.get().tokens:
            field.enter(token)
        assert field.key_revision == 2
        assert field.base_date == sts.BaseDate.Y2014
        assert field.has_key(pair.new.codec(meter, sts.DecoderKeyCache()).decoder_key)

    def test_leaves_out_new_key_postpaid_and_other_unit_meters(self, cast):
        old_key_meter(cast.sp_a)
        old_key_meter(cast.sp_a, vkrn=43, key_revision=2)
        old_key_meter(cast.sp_b)
        campaign = campaign_with(cast, [])
        assert campaign.targets.count() == 1

    def test_a_vkrn_42_meter_is_a_target_with_its_own_old_key(self, cast):
        """Seed 003: "KRN = 2 / VKRN = 42" is an old key; the KRN alone hides it."""
        meter = old_key_meter(cast.sp_a, vkrn=42, key_revision=2)
        campaign = campaign_with(cast, [meter])
        kct = KeyChangeToken.objects.get(target__campaign=campaign)
        assert (kct.from_vkrn, kct.to_vkrn, kct.from_key_revision) == (42, 43, 2)
        pair = upgrade_pair_for(cast.sp_a, 42)
        field = virtual_meter(meter, pair)
        for token in kct.tokens:
            field.enter(token)
        assert field.has_key(pair.new.codec(meter, sts.DecoderKeyCache()).decoder_key)

    def test_filters_by_brand(self, cast):
        old_key_meter(cast.sp_a, brand="HEXING")
        itron = old_key_meter(cast.sp_a, brand="ITRON", model="ACE 9000")
        prepare_keys(cast)
        campaign = generate_campaign(
            actor=cast.unit_admin,
            unit=cast.area_a,
            name="ITRON",
            where=CampaignFilter(brand="itron"),
        )
        assert list(campaign.targets.values_list("meter", flat=True)) == [itron.pk]

    def test_skips_customer_with_open_keychange_process(self, cast):
        busy = old_key_meter(cast.sp_a)
        old_key_meter(cast.sp_a)
        open_process(
            customer=busy.customer,
            domain="keychange",
            kind="uji",
            reference="X",
            state="open",
            actor=None,
        )
        campaign = campaign_with(cast, [])
        assert campaign.targets.count() == 1
        assert campaign.skipped_open == 1

    def test_opens_a_process_with_its_event_per_target(self, cast):
        meter = old_key_meter(cast.sp_a)
        campaign_with(cast, [meter])
        event = ProcessEvent.objects.get(customer=meter.customer)
        assert event.verb == "keychange.opened"
        assert event.process.is_open

    def test_refuses_without_vending_keys(self, cast):
        old_key_meter(cast.sp_a)
        with pytest.raises(errors.VendingKeyMissing):
            generate_campaign(
                actor=cast.unit_admin, unit=cast.area_a, name="x", where=CampaignFilter()
            )

    def test_refuses_a_field_officer(self, cast):
        old_key_meter(cast.sp_a)
        with pytest.raises(NotAllowed):
            campaign_with(cast, [], actor=cast.officer)

    def test_refuses_when_nothing_matches(self, cast):
        with pytest.raises(errors.NothingToTarget):
            campaign_with(cast, [])


@pytest.fixture
def assigned(cast):
    meter = old_key_meter(cast.sp_a)
    campaign = campaign_with(cast, [meter])
    target = campaign.targets.get()
    assign_targets(actor=cast.unit_admin, targets=[target], officer=cast.officer)
    target.refresh_from_db()
    return target


class AssignTargetsTests:
    def test_assigns_and_writes_event(self, assigned, cast):
        assert assigned.state == TargetState.ASSIGNED
        assert assigned.assigned_to == cast.officer
        assert assigned.process.events.filter(verb="keychange.assigned").exists()

    def test_a_vendor_hands_kcts_to_its_own_officers_only(self, cast):
        # The one officer rule in the service: not a PLN officer, not another vendor's.
        campaign = campaign_with(cast, [old_key_meter(cast.sp_a)])
        target = campaign.targets.get()
        other_vendors = UserFactory(contractor=cast.contractor_b, roles=[RoleCode.FIELD_OFFICER])
        for officer in (cast.officer, other_vendors):
            with pytest.raises(InvalidInput):
                assign_targets(actor=cast.vendor_a, targets=[target], officer=officer)
        own = UserFactory(contractor=cast.contractor_a, roles=[RoleCode.FIELD_OFFICER])
        assert (
            assign_targets(actor=cast.vendor_a, targets=[target], officer=own)[0].assigned_to == own
        )

    def test_refuses_a_user_who_is_not_a_field_officer(self, assigned, cast):
        with pytest.raises(InvalidInput):
            assign_targets(actor=cast.unit_admin, targets=[assigned], officer=cast.supervisor)


class ConfirmKeyChangeTests:
    def test_refuses_a_display_that_is_not_the_brands(self, assigned, cast):
        with pytest.raises(errors.DisplayMismatch) as refused:
            confirm_key_change(actor=cast.officer, target=assigned, display="KRN2 KT2")
        assert "KRN 02 KT 02" in str(refused.value.message)
        assert Meter.objects.get(pk=assigned.meter_id).key_revision == 1

    def test_berhasil_moves_meter_to_new_key_with_update_time(self, assigned, cast):
        target = confirm_key_change(actor=cast.officer, target=assigned, display="krn 02  kt 02")
        meter = Meter.objects.get(pk=assigned.meter_id)
        assert meter.key_revision == 2
        assert meter.history.first().history_user == cast.officer
        assert target.updated_key_at is not None
        assert target.process.events.filter(verb="keychange.succeeded").exists()
        target.process.refresh_from_db()
        assert not target.process.is_open

    def test_only_the_assigned_officer_confirms(self, assigned, cast):
        other = UserFactory(unit=cast.sp_a, roles=[RoleCode.FIELD_OFFICER])
        with pytest.raises(NotAllowed):
            confirm_key_change(actor=other, target=assigned, display="KRN 02 KT 02")

    def test_refuses_when_meter_parameters_changed(self, assigned, cast):
        Meter.objects.filter(pk=assigned.meter_id).update(tariff_index="02")
        with pytest.raises(errors.ParametersChanged):
            confirm_key_change(actor=cast.officer, target=assigned, display="KRN 02 KT 02")


class ReportFailureTests:
    def test_rejected_kct_waits_for_a_new_pair(self, assigned, cast):
        target = report_key_change_failure(
            actor=cast.officer, target=assigned, reason=FailureReason.INVALID
        )
        assert target.state == TargetState.FAILED
        assert target.process.events.filter(verb="keychange.failed").exists()
        target.process.refresh_from_db()
        assert target.process.is_open

    def test_customer_refusal_closes_and_voids_the_pair(self, assigned, cast):
        target = report_key_change_failure(
            actor=cast.officer, target=assigned, reason=FailureReason.CUSTOMER_REFUSED
        )
        assert target.state == TargetState.CANCELLED
        assert not KeyChangeToken.objects.filter(voided_at__isnull=True).exists()


class RegenerateKctTests:
    def test_new_parameters_give_a_new_pair_and_void_the_old(self, assigned, cast):
        old = KeyChangeToken.objects.get()
        report_key_change_failure(
            actor=cast.officer,
            target=assigned,
            reason=FailureReason.PARAMETERS_CHANGED,
            tariff_index="02",
        )
        new = regenerate_kct(actor=cast.unit_admin, target=assigned)
        old.refresh_from_db()
        assert old.voided_at is not None
        assert new.tariff_index == "02" and new.token_1 != old.token_1
        assert assigned.process.events.filter(verb="keychange.regenerated").exists()
        assert assigned.customer.events.filter(verb="keychange.meter_parameters_corrected")

    def test_same_parameters_would_reuse_the_voided_pair_and_are_refused(self, assigned, cast):
        report_key_change_failure(actor=cast.officer, target=assigned, reason="invalid")
        with pytest.raises(errors.SameKct):
            regenerate_kct(actor=cast.unit_admin, target=assigned)

    def test_only_a_failed_target_is_regenerated(self, assigned, cast):
        with pytest.raises(DomainError):
            regenerate_kct(actor=cast.unit_admin, target=assigned)
