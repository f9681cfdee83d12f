"""The zero-value test token (issue #9, point 3): which meter answer proves which key."""

import pytest

from meterops import sts
from meterops.core.errors import NotAllowed, WrongState
from meterops.core.models import ProcessEvent
from meterops.customers.models import Meter
from meterops.keychange import errors
from meterops.keychange.choices import FailureReason, Proof, TargetState, ZeroTokenAnswer
from meterops.keychange.services import (
    assign_targets,
    confirm_by_zero_token,
    issue_zero_token,
    zero_token_proves_new_key,
)
from meterops.vending.keys import upgrade_pair_for
from tests.keychange.helpers import campaign_with, old_key_meter

from .test_services import virtual_meter


@pytest.fixture
def assigned(cast):
    meter = old_key_meter(cast.sp_a)
    campaign = campaign_with(cast, [meter])
    target = campaign.targets.get()
    assign_targets(actor=cast.unit_admin, targets=[target], officer=cast.officer)
    target.refresh_from_db()
    return target


def answer_of(field: sts.VirtualMeter, token: str) -> ZeroTokenAnswer:
    """What the officer reads on the (simulated) meter after typing the token."""
    try:
        field.enter(token)
    except sts.TokenRejected as exc:
        if exc.reason == sts.RejectionReason.USED:
            return ZeroTokenAnswer.USED
        return ZeroTokenAnswer.INVALID
    return ZeroTokenAnswer.ACCEPTED


class ZeroTokenProofTests:
    @pytest.mark.parametrize(
        ("answer", "proves"),
        [
            (ZeroTokenAnswer.ACCEPTED, True),
            (ZeroTokenAnswer.USED, True),
            (ZeroTokenAnswer.INVALID, False),
        ],
    )
    def test_each_answer(self, answer, proves):
        assert zero_token_proves_new_key(answer) is proves

    def test_the_simulator_shows_which_answer_proves_which_state(self, cast, assigned):
        kct = issue_zero_token(actor=cast.officer, target=assigned)
        meter = Meter.objects.get(pk=assigned.meter_id)
        pair = upgrade_pair_for(cast.sp_a, 41)
        still_old = virtual_meter(meter, pair)
        assert answer_of(still_old, kct.test_token) == ZeroTokenAnswer.INVALID
        upgraded = virtual_meter(meter, pair)
        for token in kct.tokens:
            upgraded.enter(token)
        assert answer_of(upgraded, kct.test_token) == ZeroTokenAnswer.ACCEPTED
        assert sum(upgraded.credit.values()) == 0  # a zero-value token: nothing sold
        assert answer_of(upgraded, kct.test_token) == ZeroTokenAnswer.USED

    def test_the_token_is_made_once_per_pair(self, cast, assigned):
        first = issue_zero_token(actor=cast.officer, target=assigned).test_token
        assert issue_zero_token(actor=cast.officer, target=assigned).test_token == first
        assert len(first) == 20
        events = ProcessEvent.objects.filter(verb="keychange.test_token_issued")
        assert events.count() == 1

    def test_only_the_assigned_officer_gets_it(self, cast, assigned):
        with pytest.raises(NotAllowed):
            issue_zero_token(actor=cast.vendor_a, target=assigned)

    def test_accepted_confirms_berhasil_and_moves_the_meter(self, cast, assigned):
        issue_zero_token(actor=cast.officer, target=assigned)
        target = confirm_by_zero_token(
            actor=cast.officer, target=assigned, answer=ZeroTokenAnswer.ACCEPTED
        )
        assert (target.state, target.proof) == (TargetState.SUCCEEDED, Proof.TEST_TOKEN)
        assert Meter.objects.get(pk=target.meter_id).key_revision == 2
        assert target.updated_key_at is not None

    def test_invalid_confirms_gagal_waiting_for_a_new_pair(self, cast, assigned):
        issue_zero_token(actor=cast.officer, target=assigned)
        target = confirm_by_zero_token(
            actor=cast.officer, target=assigned, answer=ZeroTokenAnswer.INVALID
        )
        assert (target.state, target.failure_reason) == (TargetState.FAILED, FailureReason.INVALID)
        assert Meter.objects.get(pk=target.meter_id).key_revision == 1

    def test_confirming_before_the_token_is_made_is_refused(self, cast, assigned):
        with pytest.raises(WrongState, match="token uji"):
            confirm_by_zero_token(
                actor=cast.officer, target=assigned, answer=ZeroTokenAnswer.ACCEPTED
            )
        assigned.refresh_from_db()
        assert assigned.state == TargetState.ASSIGNED

    def test_changed_parameters_refuse_the_token(self, cast, assigned):
        Meter.objects.filter(pk=assigned.meter_id).update(tariff_index="02")
        with pytest.raises(errors.ParametersChanged):
            issue_zero_token(actor=cast.officer, target=assigned)
