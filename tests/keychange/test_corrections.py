"""An officer's mistaken confirmation corrected by the 0 kWh test token (seed 003, point 5b;
issue #18): "Gagal" while the meter took the KCT, and "Berhasil" while it did not."""

import pytest
from django.urls import reverse

from meterops.core.errors import NotAllowed, NotFound, OpenProcessExists, WrongState
from meterops.core.models import Process, ProcessEvent
from meterops.customers.models import Meter
from meterops.keychange import errors
from meterops.keychange import services as keychange
from meterops.keychange.choices import FailureReason, Proof, TargetState, ZeroTokenAnswer
from meterops.keychange.models import CampaignTarget
from meterops.keychange.queries import last_key_update
from meterops.vending.keys import upgrade_pair_for
from tests.factories import UserFactory
from tests.keychange.helpers import campaign_with, old_key_meter

from .test_services import virtual_meter
from .test_zero_token import answer_of


@pytest.fixture
def visited(cast):
    """An assigned target and its meter in the field, where the officer entered the KCT."""
    meter = old_key_meter(cast.sp_a)
    target = campaign_with(cast, [meter]).targets.get()
    keychange.assign_targets(actor=cast.unit_admin, targets=[target], officer=cast.officer)
    target.refresh_from_db()
    field = virtual_meter(meter, upgrade_pair_for(cast.sp_a, 41))
    for token in target.tokens.get().tokens:
        field.enter(token)
    return target, field


def mistaken_gagal(cast, target):
    """The officer confirms Gagal although the meter took the KCT (seed 003, 5b)."""
    return keychange.report_key_change_failure(
        actor=cast.officer, target=target, reason=FailureReason.INVALID, note="REJECT"
    )


class GagalToBerhasilTests:
    def test_the_meters_answer_corrects_gagal_to_berhasil(self, cast, visited):
        """Issue #18: "konfirmasi 'Gagal' pada aplikasi padahal 'Berhasil'"."""
        target, field = visited
        target = mistaken_gagal(cast, target)
        assert Meter.objects.get(pk=target.meter_id).vkrn == 41  # tokens: the old key
        kct = keychange.issue_correction_token(actor=cast.supervisor, target=target)
        answer = answer_of(field, kct.test_token)
        assert answer == ZeroTokenAnswer.ACCEPTED

        target = keychange.correct_confirmation(
            actor=cast.supervisor, target=target, answer=answer, note="cek ulang di lokasi"
        )

        assert target.state == TargetState.SUCCEEDED
        assert (target.proof, target.failure_reason) == (Proof.TEST_TOKEN, "")
        assert target.confirmed_by == cast.supervisor and target.updated_key_at is not None
        assert Meter.objects.get(pk=target.meter_id).vkrn == 43
        assert last_key_update(target.meter) == target  # what the PLN 123 wizard compares with
        process = Process.objects.get(pk=target.process_id)
        assert not process.is_open and process.state == TargetState.SUCCEEDED
        event = ProcessEvent.objects.get(verb="keychange.corrected")
        assert event.actor == cast.supervisor
        assert event.from_state == TargetState.FAILED and event.to_state == TargetState.SUCCEEDED
        assert "Gagal, menunggu KCT baru → Berhasil (VKRN 43)" in event.note
        assert "cek ulang di lokasi" in event.note

    def test_the_officer_who_confirmed_may_correct_it(self, cast, visited):
        target, field = visited
        target = mistaken_gagal(cast, target)
        kct = keychange.issue_correction_token(actor=cast.officer, target=target)
        target = keychange.correct_confirmation(
            actor=cast.officer, target=target, answer=answer_of(field, kct.test_token)
        )
        assert target.state == TargetState.SUCCEEDED

    def test_used_also_proves_the_new_key(self, cast, visited):
        target, field = visited
        target = mistaken_gagal(cast, target)
        kct = keychange.issue_correction_token(actor=cast.supervisor, target=target)
        answer_of(field, kct.test_token)
        assert answer_of(field, kct.test_token) == ZeroTokenAnswer.USED
        target = keychange.correct_confirmation(
            actor=cast.supervisor, target=target, answer=ZeroTokenAnswer.USED
        )
        assert target.state == TargetState.SUCCEEDED

    def test_a_right_gagal_stands(self, cast):
        meter = old_key_meter(cast.sp_a)
        target = campaign_with(cast, [meter]).targets.get()
        keychange.assign_targets(actor=cast.unit_admin, targets=[target], officer=cast.officer)
        target = mistaken_gagal(cast, target)  # here the KCT really did not go in
        field = virtual_meter(meter, upgrade_pair_for(cast.sp_a, 41))
        kct = keychange.issue_correction_token(actor=cast.supervisor, target=target)
        answer = answer_of(field, kct.test_token)
        assert answer == ZeroTokenAnswer.INVALID
        with pytest.raises(errors.ConfirmationStands, match="tidak ada yang dikoreksi"):
            keychange.correct_confirmation(actor=cast.supervisor, target=target, answer=answer)
        target.refresh_from_db()
        assert target.state == TargetState.FAILED
        assert Meter.objects.get(pk=meter.pk).vkrn == 41
        assert not ProcessEvent.objects.filter(verb="keychange.corrected").exists()

    def test_the_answer_needs_the_token_first(self, cast, visited):
        target = mistaken_gagal(cast, visited[0])
        with pytest.raises(WrongState, match="token uji"):
            keychange.correct_confirmation(
                actor=cast.supervisor, target=target, answer=ZeroTokenAnswer.ACCEPTED
            )

    def test_changed_parameters_refuse_it(self, cast, visited):
        target = mistaken_gagal(cast, visited[0])
        keychange.issue_correction_token(actor=cast.supervisor, target=target)
        Meter.objects.filter(pk=target.meter_id).update(supply_group="600002")
        with pytest.raises(errors.ParametersChanged):
            keychange.correct_confirmation(
                actor=cast.supervisor, target=target, answer=ZeroTokenAnswer.ACCEPTED
            )

    def test_who_may_not_correct(self, cast, visited):
        target = mistaken_gagal(cast, visited[0])
        other_officer = UserFactory(unit=cast.sp_a, roles=["field_officer"])
        for stranger in (other_officer, cast.vendor_a):
            with pytest.raises(NotAllowed):
                keychange.issue_correction_token(actor=stranger, target=target)
        with pytest.raises(NotFound):  # another unit's supervisor
            keychange.issue_correction_token(actor=cast.outsider, target=target)

    def test_a_target_not_confirmed_is_not_corrected(self, cast, visited):
        target, _field = visited
        with pytest.raises(errors.TargetWrongState):
            keychange.issue_correction_token(actor=cast.supervisor, target=target)


class BerhasilToGagalTests:
    @pytest.fixture
    def mistaken_berhasil(self, cast):
        """The officer confirms Berhasil although the KCT never went into the meter."""
        meter = old_key_meter(cast.sp_a)
        target = campaign_with(cast, [meter]).targets.get()
        keychange.assign_targets(actor=cast.unit_admin, targets=[target], officer=cast.officer)
        target = keychange.confirm_key_change(
            actor=cast.officer, target=target, display="KRN 02 KT 02"
        )
        return target, virtual_meter(meter, upgrade_pair_for(cast.sp_a, 41))

    def test_an_invalid_answer_corrects_berhasil_to_gagal(self, cast, mistaken_berhasil):
        target, field = mistaken_berhasil
        kct = keychange.issue_correction_token(actor=cast.unit_admin, target=target)
        answer = answer_of(field, kct.test_token)
        assert answer == ZeroTokenAnswer.INVALID

        target = keychange.correct_confirmation(actor=cast.unit_admin, target=target, answer=answer)

        assert (target.state, target.failure_reason) == (TargetState.FAILED, FailureReason.INVALID)
        assert target.updated_key_at is None
        assert Meter.objects.get(pk=target.meter_id).vkrn == 41
        assert last_key_update(target.meter) is None
        process = Process.objects.get(pk=target.process_id)
        assert process.is_open and process.closed_at is None
        event = ProcessEvent.objects.get(verb="keychange.corrected")
        assert "Berhasil → Gagal, menunggu KCT baru (VKRN 41)" in event.note

    def test_a_right_berhasil_stands(self, cast, mistaken_berhasil):
        target, field = mistaken_berhasil
        kct = keychange.issue_correction_token(actor=cast.unit_admin, target=target)
        for token in target.tokens.get().tokens:
            field.enter(token)  # the KCT did go in after all
        answer = answer_of(field, kct.test_token)
        with pytest.raises(errors.ConfirmationStands):
            keychange.correct_confirmation(actor=cast.unit_admin, target=target, answer=answer)
        assert CampaignTarget.objects.get(pk=target.pk).state == TargetState.SUCCEEDED

    def test_the_process_is_not_reopened_beside_another_open_one(self, cast, mistaken_berhasil):
        target, field = mistaken_berhasil
        kct = keychange.issue_correction_token(actor=cast.unit_admin, target=target)
        Process.objects.create(
            customer=target.customer, unit=target.unit, domain="keychange", kind="uji", state="x"
        )
        with pytest.raises(OpenProcessExists, match="belum tuntas"):
            keychange.correct_confirmation(
                actor=cast.unit_admin, target=target, answer=answer_of(field, kct.test_token)
            )
        target.refresh_from_db()
        assert target.state == TargetState.SUCCEEDED
        assert Meter.objects.get(pk=target.meter_id).vkrn == 43


class CorrectionPageTests:
    @pytest.fixture
    def gagal(self, cast, visited):
        target, field = visited
        return mistaken_gagal(cast, target), field

    def test_the_unit_corrects_it_from_the_campaign_page(self, cast, gagal, client_for):
        target, field = gagal
        client = client_for(cast.unit_admin)  # the UP3's campaign
        campaign = client.get(reverse("keychange:campaign_detail", args=[target.campaign_id]))
        url = reverse("keychange:target_correction", args=[target.pk])
        assert f'href="{url}"' in campaign.content.decode()
        page = client.get(url)
        assert "sudah KRN-2" in page.content.decode() and 'id="zero-token-value"' not in (
            page.content.decode()
        )
        client.post(url, {"make_zero_token": "1"})
        page = client.get(url)
        kct = target.tokens.get()
        assert kct.formatted_test_token in page.content.decode()
        answer = answer_of(field, kct.test_token)
        response = client.post(url, {"answer": answer, "note": "dicek petugas.a"}, follow=True)
        assert "dikoreksi menjadi Berhasil" in response.content.decode()
        assert 'id="target-state">Berhasil<' in response.content.decode()

    def test_the_answer_that_agrees_is_refused_on_the_page(self, cast, gagal, client_for):
        target, _field = gagal
        keychange.issue_correction_token(actor=cast.supervisor, target=target)
        url = reverse("keychange:target_correction", args=[target.pk])
        page = client_for(cast.supervisor).post(url, {"answer": ZeroTokenAnswer.INVALID})
        assert "tidak ada yang dikoreksi" in page.content.decode()
        assert CampaignTarget.objects.get(pk=target.pk).state == TargetState.FAILED

    def test_the_officer_finds_his_gagal_in_his_list(self, cast, gagal, client_for):
        target, _field = gagal
        client = client_for(cast.officer)
        listing = client.get(reverse("keychange:confirmation_list"))
        url = reverse("keychange:target_correction", args=[target.pk])
        assert f'href="{url}"' in listing.content.decode()
        assert client.get(url).status_code == 200

    def test_others_are_refused(self, cast, gagal, client_for):
        target, _field = gagal
        url = reverse("keychange:target_correction", args=[target.pk])
        other_officer = UserFactory(unit=cast.sp_a, roles=["field_officer"])
        assert client_for(other_officer).get(url).status_code == 403
        assert client_for(cast.vendor_a).post(url, {"make_zero_token": "1"}).status_code == 403
        assert client_for(cast.outsider).get(url).status_code == 404
        assert client_for(cast.outsider_admin).post(url, {"answer": "accepted"}).status_code == 404
        assert not target.tokens.get().test_token

    def test_the_ulp_finds_it_in_the_bank_kct(self, cast, gagal, client_for):
        """A ULP supervisor does not see the UP3's campaign; the Bank KCT search leads there."""
        target, _field = gagal
        client = client_for(cast.supervisor)
        bank = client.get(reverse("keychange:kct_list"), {"q": target.customer.customer_id})
        url = reverse("keychange:target_correction", args=[target.pk])
        assert f'href="{url}"' in bank.content.decode()
        assert client.get(url).status_code == 200
