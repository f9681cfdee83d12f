"""Corrections of an officer's KCT confirmation (seed 003, point 5b, the two human errors).

"Gagal" while the meter took the KCT: the system keeps the old key, the meter holds the new
one, and the customer's tokens (sold with the old key) are refused. "Berhasil" while the KCT
did not go in: the system moved to the new key, the meter did not, and the tokens (sold with the
new key) are refused. Either way the proof is the meter's answer to the 0 kWh test token made
with the new key (``zero_token_proves_new_key``): the unit's staff, or the officer who
confirmed, makes the token here, has it entered on the meter, and records the answer. Only an
answer that contradicts the confirmation changes it, as a transition of the target's state
machine, audited, moving the meter's key data the way a confirmation does.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meterops.core.choices import RoleCode
from meterops.core.errors import NotAllowed, WrongState
from meterops.core.models import User
from meterops.core.services import advance_process, require_unit
from meterops.customers.models import Meter

from .. import errors
from ..choices import TargetState, ZeroTokenAnswer
from ..models import CampaignTarget, KeyChangeToken
from .targets import (
    PLANNER_ROLES,
    _live_token,
    _locked,
    apply_new_key,
    make_test_token,
    zero_token_proves_new_key,
)

CORRECTABLE_STATES = (TargetState.FAILED, TargetState.SUCCEEDED)


def may_correct(actor: User, target: CampaignTarget) -> bool:
    """The unit's staff (admin, unit admin, supervisor), or the field officer who confirmed it."""
    if actor.has_role(*PLANNER_ROLES):
        return True
    return actor.has_role(RoleCode.FIELD_OFFICER) and actor.pk == target.confirmed_by_id


def _check_corrector(target: CampaignTarget, actor: User) -> None:
    if not may_correct(actor, target):
        raise NotAllowed(
            _("Hanya staf unit atau petugas yang mengonfirmasi KCT ini yang dapat mengoreksinya.")
        )
    require_unit(actor, target.unit)
    if target.state not in CORRECTABLE_STATES:
        raise errors.TargetWrongState(
            _("%(ref)s %(state)s: hanya konfirmasi Berhasil atau Gagal yang dapat dikoreksi.")
            % {"ref": target.reference, "state": target.get_state_display()}
        )


def _fits(kct: KeyChangeToken, target: CampaignTarget, meter: Meter) -> bool:
    """The pair still describes the meter: before it (Gagal) or after it (Berhasil)."""
    return kct.fits(meter, applied=target.state == TargetState.SUCCEEDED)


@transaction.atomic
def issue_correction_token(*, actor: User, target: CampaignTarget) -> KeyChangeToken:
    """The 0 kWh test token, made with the new key, of a confirmed target's pair: what the
    meter answers to it shows which key it holds (seed 003, 5b). Made once per pair."""
    target = _locked(target)
    _check_corrector(target, actor)
    kct = KeyChangeToken.objects.select_for_update().get(target=target, voided_at__isnull=True)
    if kct.test_token:
        return kct
    meter = Meter.objects.get(pk=target.meter_id)
    if not _fits(kct, target, meter):
        raise errors.ParametersChanged()
    return make_test_token(target=target, kct=kct, meter=meter, actor=actor)


@transaction.atomic
def correct_confirmation(
    *, actor: User, target: CampaignTarget, answer: str, note: str = ""
) -> CampaignTarget:
    """Correct an officer's Gagal to Berhasil, or Berhasil to Gagal, when the meter's answer to
    the 0 kWh test token contradicts it (seed 003, 5b, "konfirmasi 'Gagal' ... padahal
    'Berhasil'" and the opposite).

    Gagal → Berhasil: the meter accepted the token (or refused it as used), so it holds the new
    key; the meter moves to the new key and the process closes. Berhasil → Gagal: the meter
    refused it as invalid, so it still holds the old key; the meter goes back to the old key
    and the process reopens, waiting for a new KCT pair.
    """
    target = _locked(target)
    _check_corrector(target, actor)
    kct = _live_token(target)
    if not kct.test_token:
        raise WrongState(_("Buat token uji 0 kWh dan masukkan ke meter lebih dahulu."))
    meter = Meter.objects.select_for_update().get(pk=target.meter_id)
    if not _fits(kct, target, meter):
        raise errors.ParametersChanged()
    answer = ZeroTokenAnswer(answer)
    holds_new_key = zero_token_proves_new_key(answer)
    was = target.get_state_display()
    if (target.state == TargetState.SUCCEEDED) == holds_new_key:
        raise errors.ConfirmationStands(
            _("Jawaban meter (%(a)s) sesuai dengan konfirmasi %(was)s: tidak ada yang dikoreksi.")
            % {"a": answer.label, "was": was}
        )
    said = _("token uji 0 kWh: %(a)s") % {"a": answer.label}
    now = timezone.now()
    if holds_new_key:
        target.correct_to_succeeded(by=actor, when=now, answer=str(answer.label))
        target.save()
        apply_new_key(meter=meter, kct=kct, actor=actor)
    else:
        target.correct_to_failed(by=actor, when=now, note=f"{said}. {note}".strip(" ."))
        target.save()
        _restore_old_key(meter=meter, kct=kct, actor=actor)
    advance_process(
        process=target.process,
        to_state=target.state,
        state_label=str(target.get_state_display()),
        verb="keychange.corrected",
        actor=actor,
        note=_("Koreksi konfirmasi %(was)s → %(now)s (VKRN %(vkrn)s): %(said)s. %(note)s")
        % {
            "was": was,
            "now": target.get_state_display(),
            "vkrn": meter.vkrn,
            "said": said,
            "note": note,
        },
        closes=holds_new_key,
        reopens=not holds_new_key,
    )
    return target


def _restore_old_key(*, meter: Meter, kct: KeyChangeToken, actor: User) -> Meter:
    """Move the meter's key data back to the key the pair started from: the KCT did not go in,
    so tokens are sold with the key the meter still holds."""
    meter.vkrn, meter.key_revision = kct.from_vkrn, kct.from_key_revision
    meter._history_user = actor
    meter.save(update_fields=["vkrn", "key_revision", "updated_at"])
    return meter
