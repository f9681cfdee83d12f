"""Writes of the KRN-2 upgrade (seed 003): campaigns, the Bank KCT, assignment, confirmation."""

from collections.abc import Iterable
from dataclasses import dataclass
from types import SimpleNamespace

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from meterops import sts
from meterops.core.choices import Domain, RoleCode
from meterops.core.models import Contractor, Process, ProcessEvent, Unit, User
from meterops.core.services import advance_process, record_event
from meterops.customers.choices import PaymentMode
from meterops.customers.models import Meter

from . import crypto, errors
from .choices import (
    OLD_KEY_REVISION,
    REGENERATE_REASONS,
    FailureReason,
    TargetState,
)
from .keys import KeyPair, key_change_tokens_for, key_pair_for
from .models import Campaign, CampaignTarget, DisplayExpectation, KeyChangeToken, VendingKey

PLANNER_ROLES = (RoleCode.ADMIN, RoleCode.UNIT_ADMIN, RoleCode.SUPERVISOR)
ASSIGNER_ROLES = (*PLANNER_ROLES, RoleCode.CONTRACTOR_ADMIN)
KEY_ADMIN_ROLES = (RoleCode.ADMIN, RoleCode.UNIT_ADMIN)
PROCESS_KIND = "Upgrade KRN-2 (KCT)"
BATCH = 2000


@dataclass(frozen=True)
class CampaignFilter:
    brand: str = ""
    tariff: str = ""
    route_id: int | None = None


def eligible_meters(*, unit: Unit, where: CampaignFilter):
    """Current prepaid meters of ``unit`` and below still on the old key (VKRN 41/42)."""
    meters = Meter.objects.filter(
        removed_at__isnull=True,
        customer__payment_mode=PaymentMode.PREPAID,
        key_revision=OLD_KEY_REVISION,
        customer__unit__path__startswith=unit.path,
    )
    if where.brand:
        meters = meters.filter(brand__iexact=where.brand)
    if where.tariff:
        meters = meters.filter(customer__tariff=where.tariff)
    if where.route_id:
        meters = meters.filter(customer__route_id=where.route_id)
    return meters


@transaction.atomic
def generate_campaign(
    *,
    actor: User,
    unit: Unit,
    name: str,
    where: CampaignFilter,
    contractor: Contractor | None = None,
) -> Campaign:
    """Select old-key meters by filter and put one KCT pair each into the Bank KCT (seed 003)."""
    if not actor.has_role(*PLANNER_ROLES):
        raise errors.NotAllowed()
    pair = key_pair_for(unit)
    if pair is None:
        raise errors.VendingKeyMissing()
    candidates = eligible_meters(unit=unit, where=where)
    busy = Process.objects.filter(
        customer_id=OuterRef("customer_id"), domain=Domain.KEYCHANGE, is_open=True
    )
    total = candidates.count()
    rows = list(
        candidates.filter(~Exists(busy))
        .order_by("customer__customer_id")
        .values(
            "id",
            "meter_number",
            "supply_group",
            "tariff_index",
            "key_type",
            "customer_id",
            "customer__unit_id",
        )
    )
    if not rows:
        raise errors.NothingToTarget()
    campaign = Campaign.objects.create(
        unit=unit,
        name=name,
        contractor=contractor,
        brand=where.brand,
        tariff=where.tariff,
        route_id=where.route_id,
        created_by=actor,
        skipped_open=total - len(rows),
    )
    cache = sts.DecoderKeyCache(maxsize=BATCH * 2)
    invalid = 0
    for start in range(0, len(rows), BATCH):
        invalid += _bank_batch(campaign, pair, rows[start : start + BATCH], cache, actor)
    if invalid:
        campaign.skipped_invalid = invalid
        campaign.save(update_fields=["skipped_invalid", "updated_at"])
    return campaign


def _bank_batch(campaign, pair: KeyPair, rows: list[dict], cache, actor) -> int:
    """KCTs for one batch of meters, then four bulk inserts: processes, events, targets, KCTs."""
    now = timezone.now()
    made = []
    for row in rows:
        meter = SimpleNamespace(**row)
        try:
            made.append((row, key_change_tokens_for(meter, pair, cache)))
        except sts.StsError:
            continue
    label = str(TargetState.GENERATED.label)
    processes = Process.objects.bulk_create(
        [
            Process(
                customer_id=row["customer_id"],
                unit_id=row["customer__unit_id"],
                domain=Domain.KEYCHANGE,
                kind=PROCESS_KIND,
                reference=f"KRN-{campaign.pk}/{row['meter_number']}",
                state=TargetState.GENERATED,
                state_label=label,
                opened_at=now,
            )
            for row, _tokens in made
        ]
    )
    ProcessEvent.objects.bulk_create(
        [
            ProcessEvent(
                process=process,
                customer_id=process.customer_id,
                unit_id=process.unit_id,
                domain=Domain.KEYCHANGE,
                verb="keychange.opened",
                to_state=TargetState.GENERATED,
                actor=actor,
                at=now,
                note=_("KCT dibuat di Bank KCT, kampanye %(name)s") % {"name": campaign.name},
            )
            for process in processes
        ]
    )
    targets = CampaignTarget.objects.bulk_create(
        [
            CampaignTarget(
                campaign=campaign,
                process=process,
                customer_id=row["customer_id"],
                meter_id=row["id"],
                unit_id=row["customer__unit_id"],
            )
            for process, (row, _tokens) in zip(processes, made, strict=True)
        ]
    )
    KeyChangeToken.objects.bulk_create(
        [
            _bank_row(target, row, tokens, pair, now)
            for target, (row, tokens) in zip(targets, made, strict=True)
        ]
    )
    return len(rows) - len(made)


def _bank_row(target, row: dict, tokens: tuple[str, ...], pair: KeyPair, now) -> KeyChangeToken:
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
        key_type=row["key_type"] if row["key_type"] is not None else 2,
        from_key_revision=pair.old.key_revision,
        to_key_revision=pair.new.key_revision,
        generated_at=now,
    )


def _locked(target: CampaignTarget) -> CampaignTarget:
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
    if not actor.has_role(*ASSIGNER_ROLES):
        raise errors.NotAllowed()
    if not officer.is_active or not officer.has_role(RoleCode.FIELD_OFFICER):
        raise errors.NotAllowed(_("%(u)s bukan petugas lapangan aktif.") % {"u": officer})
    done = []
    now = timezone.now()
    for target in targets:
        target = _locked(target)
        if not can_proceed(target.assign):
            raise errors.WrongState(
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
    rows = [
        row
        for row in DisplayExpectation.objects.filter(brand__iexact=meter.brand)
        if not row.model_hint or row.model_hint.upper() in (meter.model or "").upper()
    ]
    rows.sort(key=lambda row: len(row.model_hint), reverse=True)
    return rows[0] if rows else None


def _require_assignee(target: CampaignTarget, actor: User) -> None:
    if target.assigned_to_id != actor.pk:
        raise errors.NotAllowed(_("KCT ini tidak ditugaskan kepada Anda."))


@transaction.atomic
def confirm_key_change(*, actor: User, target: CampaignTarget, display: str) -> CampaignTarget:
    """Berhasil only when the 04-enter display matches Lampiran I for the brand (seed 003, 5b)."""
    target = _locked(target)
    _require_assignee(target, actor)
    if not can_proceed(target.succeed):
        raise errors.WrongState()
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


def apply_new_key(*, meter: Meter, kct: KeyChangeToken, actor: User) -> Meter:
    """Move the meter's key data to the KRN-2 key; token sales use it from now (seed 003)."""
    meter.key_revision = kct.to_key_revision
    meter._history_user = actor
    meter.save(update_fields=["key_revision", "updated_at"])
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
            raise errors.WrongState()
        target.fail_for_new_kct(by=actor, when=now, reason=reason, note=note)
    else:
        if not can_proceed(target.fail_and_close):
            raise errors.WrongState()
        target.fail_and_close(by=actor, when=now, reason=reason, note=note)
        KeyChangeToken.objects.filter(target=target, voided_at__isnull=True).update(voided_at=now)
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
    if not actor.has_role(*PLANNER_ROLES):
        raise errors.NotAllowed()
    target = _locked(target)
    if not can_proceed(target.regenerate):
        raise errors.WrongState()
    pair = key_pair_for(target.unit)
    if pair is None:
        raise errors.VendingKeyMissing()
    meter = Meter.objects.select_for_update().get(pk=target.meter_id)
    if meter.key_revision != pair.old.key_revision:
        raise errors.ParametersChanged(
            _("Meter ini tidak lagi pada kunci lama (KRN %(krn)s).") % {"krn": meter.key_revision}
        )
    tokens = key_change_tokens_for(meter, pair, sts.DecoderKeyCache(maxsize=4))
    if KeyChangeToken.objects.filter(token_1=tokens[0]).exists():
        raise errors.SameKct()
    now = timezone.now()
    KeyChangeToken.objects.filter(target=target, voided_at__isnull=True).update(voided_at=now)
    row = {
        "supply_group": meter.supply_group,
        "tariff_index": meter.tariff_index,
        "key_type": meter.key_type,
    }
    kct = _bank_row(target, row, tokens, pair, now)
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
    """Edit the Lampiran I table of 04-enter displays per brand (seed 003, Lampiran I)."""
    if not actor.has_role(*KEY_ADMIN_ROLES):
        raise errors.NotAllowed()
    row = row or DisplayExpectation()
    row.brand, row.model_hint = brand.strip().upper(), model_hint.strip().upper()
    row.expected_display = " ".join(expected.split()).upper()
    row._history_user = actor
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def store_vending_key(
    *,
    actor: User | None,
    unit: Unit,
    vkrn: int,
    key_revision: int,
    algorithm: str,
    encryption: str,
    base_date: int,
    key_hex: str,
    is_test_key: bool = False,
    label: str = "",
) -> VendingKey:
    """Keep a unit's vending key of one VKRN; the material is never shown again."""
    if actor is not None and not actor.has_role(*KEY_ADMIN_ROLES):
        raise errors.NotAllowed()
    length = 8 if algorithm == sts.KeyGenerationAlgorithm.DKGA02.value else 20
    try:
        material = bytes.fromhex(key_hex.replace(" ", ""))
    except ValueError:
        raise errors.KeyChangeError(_("Kunci vending harus heksadesimal.")) from None
    if len(material) != length:
        raise errors.KeyChangeError(
            _("Kunci vending DKGA%(a)s harus %(n)s byte.") % {"a": algorithm, "n": length}
        )
    key, _created = VendingKey.objects.update_or_create(
        unit=unit,
        vkrn=vkrn,
        defaults={
            "key_revision": key_revision,
            "algorithm": algorithm,
            "encryption": encryption,
            "base_date": base_date,
            "key_material": crypto.seal(material),
            "is_test_key": is_test_key,
            "label": label,
        },
    )
    return key
