"""Writes of the KRN-2 upgrade (seed 003): a campaign target's life after the Bank KCT.

The target's state machine (generated → assigned → confirmed / failed → regenerated ...) is
driven from here: assignment, confirmation by the 04 display or the zero token, failure
reports, KCT regeneration, and the key store (vending keys, Lampiran I displays). Making a
campaign and filling its Bank KCT (the background job) is ``campaigns``.
"""

from collections.abc import Iterable
from types import SimpleNamespace

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from meterops import sts
from meterops.core.choices import Domain, RoleCode
from meterops.core.errors import InvalidInput, NotAllowed, WrongState
from meterops.core.models import User
from meterops.core.services import (
    advance_process,
    ensure_field_officer_for,
    record_event,
    require_role,
)
from meterops.customers.models import Meter
from meterops.vending.choices import OLD_VKRN
from meterops.vending.keys import (
    KeyPair,
    credit_token_for,
    key_change_tokens_for,
    key_for_vkrn,
    upgrade_pair_for,
)
from meterops.vending.models import sts_key_type
from meterops.vending.tids import IssueClock

from .. import errors
from ..choices import (
    REGENERATE_REASONS,
    FailureReason,
    Proof,
    TargetState,
    ZeroTokenAnswer,
)
from ..models import CampaignTarget, DisplayExpectation, KeyChangeToken

PLANNER_ROLES = (RoleCode.ADMIN, RoleCode.UNIT_ADMIN, RoleCode.SUPERVISOR)
ASSIGNER_ROLES = (*PLANNER_ROLES, RoleCode.CONTRACTOR_ADMIN)
DISPLAY_EDITOR_ROLES = (RoleCode.ADMIN,)
PROCESS_KIND = "Upgrade KRN-2 (KCT)"


def _kct_row(target, row: dict, tokens: tuple[str, ...], pair: KeyPair, now) -> KeyChangeToken:
    padded = (*tokens, "", "")[:4]
    return KeyChangeToken(
        target=target,
        token_1=padded[0],
        token_2=padded[1],
        token_3=padded[2],
        token_4=padded[3],
        from_vkrn=pair.old.vkrn,
        to_vkrn=pair.new.vkrn,
        supply_group=row["supply_group"],
        tariff_index=row["tariff_index"],
        key_type=sts_key_type(row["key_type"]),
        from_key_revision=pair.old.key_revision,
        to_key_revision=pair.new.key_revision,
        generated_at=now,
    )


def _locked(target: CampaignTarget) -> CampaignTarget:
    """The target, locked after its meter: the order a meter swap takes them in (the swap
    holds the old meter, then ``settle_targets_of_swapped_meters`` locks its targets), so a
    confirmation racing a replacement waits for it instead of deadlocking with it."""
    meter_id = CampaignTarget.objects.filter(pk=target.pk).values("meter_id")
    list(Meter.objects.select_for_update().filter(pk__in=meter_id).values_list("pk"))
    return (
        CampaignTarget.objects.select_for_update(of=("self",))
        .select_related("process", "campaign", "meter", "customer")
        .get(pk=target.pk)
    )


def _live_token(target: CampaignTarget) -> KeyChangeToken:
    return target.tokens.get(voided_at__isnull=True)


@transaction.atomic
def assign_targets(
    *, actor: User, targets: Iterable[CampaignTarget], officer: User
) -> list[CampaignTarget]:
    """Hand KCT work orders to a field officer (seed 003, "Petugas (Mitra PLN) akan datang")."""
    require_role(actor, ASSIGNER_ROLES)
    if not officer.is_active or not officer.has_role(RoleCode.FIELD_OFFICER):
        raise InvalidInput("officer", _("%(u)s bukan petugas lapangan aktif.") % {"u": officer})
    done = []
    now = timezone.now()
    for target in targets:
        target = _locked(target)
        ensure_field_officer_for(target.unit, officer, actor=actor)
        if not can_proceed(target.assign):
            raise errors.TargetWrongState(
                _("%(ref)s sudah %(state)s; tidak dapat ditugaskan.")
                % {"ref": target.reference, "state": target.get_state_display()}
            )
        target.assign(officer=officer, when=now)
        target.save()
        advance_process(
            process=target.process,
            to_state=target.state,
            state_label=str(TargetState.ASSIGNED.label),
            verb="keychange.assigned",
            actor=actor,
            note=_("Ditugaskan ke %(officer)s") % {"officer": officer.get_full_name() or officer},
        )
        done.append(target)
    return done


def expected_display_for(meter) -> DisplayExpectation | None:
    """The Lampiran I row of the meter: its brand and type if listed, else its brand."""
    return pick_display_expectation(
        meter, DisplayExpectation.objects.filter(brand__iexact=meter.brand)
    )


def pick_display_expectation(meter, rows) -> DisplayExpectation | None:
    """Among Lampiran I rows (seed 003), the one for the meter: the longest matching type hint
    of its brand, else the brand's row without a hint."""
    brand, model = (meter.brand or "").upper(), (meter.model or "").upper()
    matching = [
        row
        for row in rows
        if row.brand.upper() == brand and (not row.model_hint or row.model_hint.upper() in model)
    ]
    matching.sort(key=lambda row: len(row.model_hint), reverse=True)
    return matching[0] if matching else None


def _require_assignee(target: CampaignTarget, actor: User) -> None:
    if target.assigned_to_id != actor.pk:
        raise NotAllowed(_("KCT ini tidak ditugaskan kepada Anda."))


@transaction.atomic
def confirm_key_change(*, actor: User, target: CampaignTarget, display: str) -> CampaignTarget:
    """Berhasil only when the 04-enter display matches Lampiran I for the brand (seed 003, 5b)."""
    target = _locked(target)
    _require_assignee(target, actor)
    if not can_proceed(target.succeed):
        raise errors.TargetWrongState()
    meter = Meter.objects.select_for_update().get(pk=target.meter_id)
    kct = _live_token(target)
    if not kct.fits(meter):
        raise errors.ParametersChanged()
    expected = expected_display_for(meter)
    if expected is None:
        raise errors.DisplayUnknown(
            _("Tampilan 04 enter untuk merk %(brand)s belum ada di tabel; hubungi admin unit.")
            % {"brand": meter.brand}
        )
    if not expected.matches(display):
        raise errors.DisplayMismatch(
            _(
                "Tampilan '%(given)s' tidak sesuai. Meter %(brand)s yang sudah KRN-2 menampilkan "
                "'%(expected)s' setelah 04 enter. Bila meter tidak menampilkannya, KCT belum "
                "masuk: konfirmasi Gagal."
            )
            % {"given": display, "brand": meter.brand, "expected": expected.expected_display}
        )
    now = timezone.now()
    target.succeed(by=actor, when=now, display=display.strip())
    target.save()
    apply_new_key(meter=meter, kct=kct, actor=actor)
    advance_process(
        process=target.process,
        to_state=target.state,
        state_label=str(TargetState.SUCCEEDED.label),
        verb="keychange.succeeded",
        actor=actor,
        note=_("KRN %(old)s → %(new)s (VKRN %(vkrn)s), tampilan 04: %(display)s")
        % {
            "old": kct.from_key_revision,
            "new": kct.to_key_revision,
            "vkrn": kct.to_vkrn,
            "display": display.strip(),
        },
        closes=True,
    )
    return target


def zero_token_proves_new_key(answer: str) -> bool:
    """Whether the meter's answer to the zero-value test token proves it holds the KRN-2 key.

    Beyond seed 003 (issue #9, point 3), against its "human error" of point 5b: a meter decodes
    a token only under the key it holds, so a 0 kWh credit token made with VKRN 43 passes on a
    meter that took the KCT (accepted, or refused as already used when entered twice) and is
    refused as invalid by a meter still on VKRN 41/42. ``sts.VirtualMeter`` shows each answer
    (tests/keychange/test_zero_token.py). The credit does not change: nothing is sold.
    """
    answer = ZeroTokenAnswer(answer)
    return answer in (ZeroTokenAnswer.ACCEPTED, ZeroTokenAnswer.USED)


@transaction.atomic
def issue_zero_token(*, actor: User, target: CampaignTarget) -> KeyChangeToken:
    """Make the 0 kWh test credit token of an assigned target with the new key (issue #9, 3).

    For the meter's parameters the live KCT pair moves it to; made once per pair (asking again
    shows the same token). Refused unless the target is assigned to the actor and the pair
    still fits the meter.
    """
    target = _locked(target)
    _require_assignee(target, actor)
    if target.state != TargetState.ASSIGNED:
        raise errors.TargetWrongState()
    kct = KeyChangeToken.objects.select_for_update().get(target=target, voided_at__isnull=True)
    if kct.test_token:
        return kct
    meter = Meter.objects.get(pk=target.meter_id)
    if not kct.fits(meter):
        raise errors.ParametersChanged()
    return make_test_token(target=target, kct=kct, meter=meter, actor=actor)


def make_test_token(
    *, target: CampaignTarget, kct: KeyChangeToken, meter: Meter, actor: User
) -> KeyChangeToken:
    """Store on the locked pair its 0 kWh credit token made with the new key for the meter's
    parameters after the KCT; the callers check who asks and that the pair fits the meter."""
    new_key = key_for_vkrn(target.unit, kct.to_vkrn)
    if new_key is None:
        raise errors.VendingKeyMissing()
    now = timezone.now()
    after_kct = SimpleNamespace(
        meter_number=meter.meter_number,
        supply_group=kct.supply_group,
        tariff_index=kct.tariff_index,
        key_type=kct.key_type,
    )
    kct.test_token = credit_token_for(
        after_kct, new_key, kwh=0, clock=IssueClock(now), cache=sts.DecoderKeyCache(maxsize=2)
    )
    kct.test_token_at = now
    kct.save(update_fields=["test_token", "test_token_at", "updated_at"])
    record_event(
        process=target.process,
        verb="keychange.test_token_issued",
        actor=actor,
        note=_("Token uji 0 kWh dengan VKRN %(v)s dibuat") % {"v": new_key.vkrn},
    )
    return kct


@transaction.atomic
def confirm_by_zero_token(*, actor: User, target: CampaignTarget, answer: str) -> CampaignTarget:
    """Berhasil or Gagal from the meter's answer to the test token (``zero_token_proves_new_key``).

    Accepted (or refused as used): Berhasil, the meter moves to the new key. Refused as invalid:
    Gagal "KCT ditolak meter", waiting for a new pair. Needs the test token made first.
    """
    target = _locked(target)
    _require_assignee(target, actor)
    if target.state != TargetState.ASSIGNED:
        raise errors.TargetWrongState()
    kct = _live_token(target)
    if not kct.test_token:
        raise WrongState(_("Buat dan masukkan token uji 0 kWh lebih dahulu."))
    meter = Meter.objects.select_for_update().get(pk=target.meter_id)
    if not kct.fits(meter):
        raise errors.ParametersChanged()
    answer = ZeroTokenAnswer(answer)
    now = timezone.now()
    said = _("token uji 0 kWh: %(a)s") % {"a": answer.label}
    if zero_token_proves_new_key(answer):
        target.succeed(by=actor, when=now, display=str(answer.label)[:40], proof=Proof.TEST_TOKEN)
        target.save()
        apply_new_key(meter=meter, kct=kct, actor=actor)
        verb, label, closes = "keychange.succeeded", TargetState.SUCCEEDED.label, True
    else:
        target.fail_for_new_kct(
            by=actor, when=now, reason=FailureReason.INVALID, note=str(said), proof=Proof.TEST_TOKEN
        )
        target.save()
        verb, label, closes = "keychange.failed", TargetState.FAILED.label, False
    advance_process(
        process=target.process,
        to_state=target.state,
        state_label=str(label),
        verb=verb,
        actor=actor,
        note=f"KRN {kct.from_key_revision} → {kct.to_key_revision}, {said}",
        closes=closes,
    )
    return target


def apply_new_key(*, meter: Meter, kct: KeyChangeToken, actor: User) -> Meter:
    """Move the meter to the KRN-2 key (VKRN 43); token sales use it from now (seed 003)."""
    meter.vkrn, meter.key_revision = kct.to_vkrn, kct.to_key_revision
    meter._history_user = actor
    meter.save(update_fields=["vkrn", "key_revision", "updated_at"])
    return meter


@transaction.atomic
def report_key_change_failure(
    *,
    actor: User,
    target: CampaignTarget,
    reason: str,
    note: str = "",
    supply_group: str = "",
    tariff_index: str = "",
) -> CampaignTarget:
    """Gagal with its reason (seed 003, point 5); KCT rejections wait for a new pair."""
    target = _locked(target)
    _require_assignee(target, actor)
    reason = FailureReason(reason)
    now = timezone.now()
    if reason in REGENERATE_REASONS:
        if not can_proceed(target.fail_for_new_kct):
            raise errors.TargetWrongState()
        target.fail_for_new_kct(by=actor, when=now, reason=reason, note=note)
    else:
        if not can_proceed(target.fail_and_close):
            raise errors.TargetWrongState()
        target.fail_and_close(by=actor, when=now, reason=reason, note=note)
        KeyChangeToken.objects.void_unused([target.pk], at=now)
    target.save()
    if supply_group or tariff_index:
        correct_meter_key_data(
            actor=actor,
            meter=target.meter,
            supply_group=supply_group or target.meter.supply_group,
            tariff_index=tariff_index or target.meter.tariff_index,
        )
    advance_process(
        process=target.process,
        to_state=target.state,
        state_label=str(target.get_state_display()),
        verb="keychange.failed",
        actor=actor,
        note=f"{reason.label}. {note}".strip(),
        closes=target.state == TargetState.CANCELLED,
    )
    return target


def correct_meter_key_data(
    *, actor: User, meter: Meter, supply_group: str, tariff_index: str
) -> Meter:
    """Record the SGC/TI the officer read on the meter, so a new KCT fits it (seed 003, 5a)."""
    meter = Meter.objects.select_for_update().get(pk=meter.pk)
    if (meter.supply_group, meter.tariff_index) == (supply_group, tariff_index):
        return meter
    before = f"SGC {meter.supply_group} TI {meter.tariff_index}"
    meter.supply_group, meter.tariff_index = supply_group, tariff_index
    meter._history_user = actor
    meter.save(update_fields=["supply_group", "tariff_index", "updated_at"])
    record_event(
        verb="keychange.meter_parameters_corrected",
        actor=actor,
        customer=meter.customer,
        domain=Domain.KEYCHANGE,
        note=f"{before} → SGC {supply_group} TI {tariff_index}",
    )
    return meter


@transaction.atomic
def regenerate_kct(*, actor: User, target: CampaignTarget) -> KeyChangeToken:
    """Void the failed pair and make one from the meter's current parameters (seed 003, 5a)."""
    require_role(actor, PLANNER_ROLES)
    target = _locked(target)
    if not can_proceed(target.regenerate):
        raise errors.TargetWrongState()
    meter = Meter.objects.select_for_update().get(pk=target.meter_id)
    if meter.vkrn not in OLD_VKRN:
        raise errors.ParametersChanged(
            _("Meter ini tidak lagi pada kunci lama (VKRN %(vkrn)s).") % {"vkrn": meter.vkrn}
        )
    pair = upgrade_pair_for(target.unit, meter.vkrn)
    if pair is None:
        raise errors.VendingKeyMissing()
    tokens = key_change_tokens_for(meter, pair, sts.DecoderKeyCache(maxsize=4))
    if KeyChangeToken.objects.filter(token_1=tokens[0]).exists():
        raise errors.SameKct()
    now = timezone.now()
    KeyChangeToken.objects.void_unused([target.pk], at=now)
    row = {
        "supply_group": meter.supply_group,
        "tariff_index": meter.tariff_index,
        "key_type": meter.key_type,
    }
    kct = _kct_row(target, row, tokens, pair, now)
    kct.save()
    target.regenerate()
    target.save()
    advance_process(
        process=target.process,
        to_state=target.state,
        state_label=str(TargetState.GENERATED.label),
        verb="keychange.regenerated",
        actor=actor,
        note=_("KCT lama dibatalkan; KCT baru untuk SGC %(sgc)s TI %(ti)s")
        % {"sgc": meter.supply_group, "ti": meter.tariff_index},
    )
    return kct


@transaction.atomic
def save_display_expectation(
    *, actor: User, row: DisplayExpectation | None, brand: str, model_hint: str, expected: str
) -> DisplayExpectation:
    """Edit the Lampiran I table of 04-enter displays per brand (seed 003, Lampiran I).

    One table serves every unit, so only an Administrator edits it (issue #17): a unit admin
    of one ULP would otherwise change what every unit's officers check against."""
    require_role(actor, DISPLAY_EDITOR_ROLES)
    row = row or DisplayExpectation()
    row.brand, row.model_hint = brand.strip().upper(), model_hint.strip().upper()
    row.expected_display = " ".join(expected.split()).upper()
    row._history_user = actor
    row.full_clean()
    row.save()
    return row
