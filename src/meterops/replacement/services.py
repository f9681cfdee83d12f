"""Writes of the HOME workflow (seed 000): every transition of a replacement target is here."""

import dataclasses
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from meterops.core.choices import Domain, RoleCode
from meterops.core.errors import InvalidInput, NotFound, WrongState
from meterops.core.formats import number
from meterops.core.images import check_scan
from meterops.core.models import Process, ProcessEvent, User, unit_time_zone
from meterops.core.scoping import scoped
from meterops.core.services import (
    advance_process,
    ensure_field_officer_for,
    ensure_no_open_process,
    record_event,
    require_role,
)
from meterops.customers.choices import PaymentMode, RemovalReason
from meterops.customers.errors import MeterNotInstallable
from meterops.customers.meter_readings import LatestReading, latest_readings
from meterops.customers.meter_swaps import swaps_recorded
from meterops.customers.models import Customer, Meter
from meterops.customers.services import swap_meter
from meterops.vending.choices import key_revision_of

from .choices import PhotoStage, TargetSource, TargetState
from .models import (
    DamageType,
    Document,
    Photo,
    Replacement,
    ReplacementTarget,
    WorkOrder,
    WorkOrderCounter,
    notes_length,
    target_reference,
)
from .photos import prepare_photo

REPORTER_ROLES = (
    RoleCode.ADMIN,
    RoleCode.UNIT_ADMIN,
    RoleCode.SUPERVISOR,
    RoleCode.FIELD_OFFICER,
    RoleCode.CONTRACTOR_ADMIN,
)
VERIFIER_ROLES = (RoleCode.ADMIN, RoleCode.UNIT_ADMIN, RoleCode.SUPERVISOR)
PRINTER_ROLES = (RoleCode.ADMIN, RoleCode.UNIT_ADMIN, RoleCode.SUPERVISOR)
DISTRIBUTOR_ROLES = (
    RoleCode.ADMIN,
    RoleCode.UNIT_ADMIN,
    RoleCode.SUPERVISOR,
    RoleCode.CONTRACTOR_ADMIN,
)
REPLACER_ROLES = (
    RoleCode.ADMIN,
    RoleCode.UNIT_ADMIN,
    RoleCode.SUPERVISOR,
    RoleCode.FIELD_OFFICER,
    RoleCode.CONTRACTOR_ADMIN,
)
MAX_PHOTOS = 5


def _locked(target: ReplacementTarget, actor: User) -> ReplacementTarget:
    """Re-read the target under a row lock, within what the actor may see."""
    locked = scoped(ReplacementTarget, actor).select_for_update().filter(pk=target.pk).first()
    if locked is None:
        raise NotFound(_("Target tidak ditemukan di unit Anda."))
    return locked


def _refuse_stale(target: ReplacementTarget, action: str) -> None:
    raise WrongState(
        _(
            "%(ref)s tidak bisa %(action)s: statusnya sekarang %(state)s. "
            "Muat ulang halaman untuk melihat data terbaru."
        )
        % {"ref": target.reference, "action": action, "state": target.get_state_display()}
    )


def _advance(target: ReplacementTarget, actor: User, verb: str, **event) -> None:
    target.save()
    advance_process(
        process=target.process,
        to_state=target.state,
        state_label=target.get_state_display(),
        verb=f"replacement.{verb}",
        actor=actor,
        closes=target.state in (TargetState.REPLACED, TargetState.DROPPED),
        **event,
    )


def _store_photos(target: ReplacementTarget, uploads, stage: str, saved: list[str]) -> None:
    """Check every photo before saving any; note each stored file so a failure removes it."""
    zone = ZoneInfo(unit_time_zone(target.unit_id))
    prepared = [prepare_photo(upload, zone=zone) for upload in uploads]
    photos = []
    for item in prepared:
        photo = Photo(
            target=target,
            stage=stage,
            taken_at=item.taken_at,
            gps_latitude=item.latitude,
            gps_longitude=item.longitude,
        )
        photo.image.save(item.image.name, item.image, save=False)
        saved.append(photo.image.name)
        photo.thumbnail.save(item.thumbnail.name, item.thumbnail, save=False)
        saved.append(photo.thumbnail.name)
        photos.append(photo)
    Photo.objects.bulk_create(photos)


@contextmanager
def _files_removed_on_error():
    """Storage is not transactional: files saved by a write that fails are deleted again."""
    saved: list[str] = []
    try:
        with transaction.atomic():
            yield saved
    except BaseException:
        for name in saved:
            default_storage.delete(name)
        raise


def _check_photo_count(uploads, minimum: int = 1) -> None:
    if not minimum <= len(uploads) <= MAX_PHOTOS:
        raise InvalidInput(
            "photos",
            _("Lampirkan %(min)d sampai %(max)d foto (sekarang %(n)d).")
            % {"min": minimum, "max": MAX_PHOTOS, "n": len(uploads)},
        )


@dataclass
class DamageReport:
    damage_type: DamageType
    notes: str = ""
    reading_at_discovery: Decimal | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    source: str = TargetSource.FAULT
    programme_name: str = ""
    from_reading_anomaly: bool = False


def report_damage(
    *, actor: User, customer: Customer, report: DamageReport, photos: list
) -> ReplacementTarget:
    """Tambah Ex DG: put a broken meter on the target list, refused while one is open (seed 000)."""
    require_role(actor, REPORTER_ROLES)
    _check_photo_count(photos)
    with _files_removed_on_error() as saved:
        return _report_damage(actor, customer, report, photos, saved)


def lbkb_marks(declared: dict[int, bool]) -> dict[int, bool]:
    """Which new targets are LBKB targets, by customer pk: those declared so (the TO upload's LBKB
    column, Tambah Ex DG on the web or the phone) and those whose customer's latest reading
    carries an LBKB code (seed 000: "Data TO LBKB … harus diupload BA Verifikasinya")."""
    read = {pk for pk, reading in latest_readings(declared).items() if reading.anomaly_code}
    return {pk: flag or pk in read for pk, flag in declared.items()}


def check_notes(notes: str) -> None:
    """Keterangan is kept to NOTES_MAX_LENGTH characters, on the web, the API and the phone."""
    try:
        notes_length(notes)
    except ValidationError as exc:
        raise InvalidInput("notes", exc.messages[0]) from exc


def _report_damage(actor, customer, report: DamageReport, photos, saved) -> ReplacementTarget:
    if not scoped(Customer, actor).filter(pk=customer.pk).exists():
        raise NotFound(_("Pelanggan tidak ditemukan di unit Anda."))
    check_notes(report.notes)
    if not report.damage_type.is_active:
        raise InvalidInput("damage_type", _("Jenis kerusakan ini sudah tidak dipakai."))
    marked = lbkb_marks({customer.pk: report.from_reading_anomaly})[customer.pk]
    report = dataclasses.replace(report, from_reading_anomaly=marked)
    # Lock the customer so two clerks cannot open two targets at the same moment.
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    ensure_no_open_process(customer=customer, domain=Domain.REPLACEMENT)
    opened = open_targets(actor=actor, reports={customer.pk: report})
    if customer.pk not in opened.opened:  # opened by an upload after the check above
        ensure_no_open_process(customer=customer, domain=Domain.REPLACEMENT)
    target = opened.targets[customer.pk]
    _store_photos(target, photos, PhotoStage.DAMAGE, saved)
    return target


@dataclass(frozen=True)
class OpenedTargets:
    targets: dict[int, ReplacementTarget]  # each customer's open target, by customer pk
    opened: set[int]  # the customers whose target was opened now


@transaction.atomic
def open_targets(*, actor: User, reports: dict[int, DamageReport]) -> OpenedTargets:
    """Open the HOME process and target of each customer (by pk) that has none open, in a few
    statements for any number of customers, and return every customer's open target, new or
    found; the one-open-process index keeps it to one each (seed 000; issue #23)."""
    if not reports:
        return OpenedTargets({}, set())
    now = timezone.now()
    token = f"OPEN-{uuid.uuid4().hex}"
    units = dict(Customer.objects.filter(pk__in=reports).values_list("pk", "unit_id"))
    kind, label = str(_("Target ganti meter")), str(TargetState.SUBMITTED.label)
    # A customer with an open replacement process keeps it (ON CONFLICT DO NOTHING).
    Process.objects.bulk_create(
        [
            Process(
                customer_id=pk,
                unit_id=unit_id,
                domain=Domain.REPLACEMENT,
                kind=kind,
                reference=token,
                state=TargetState.SUBMITTED,
                state_label=label,
                opened_at=now,
            )
            for pk, unit_id in units.items()
        ],
        ignore_conflicts=True,
    )
    processes = list(
        Process.objects.filter(customer_id__in=units, domain=Domain.REPLACEMENT, is_open=True)
    )
    mine = [p for p in processes if p.reference == token]
    found = {
        t.customer_id: t
        for t in ReplacementTarget.objects.filter(
            process_id__in=[p.pk for p in processes if p.reference != token]
        )
    }
    meters = dict(
        Meter.objects.filter(customer_id__in=units, removed_at__isnull=True).values_list(
            "customer_id", "pk"
        )
    )
    new = ReplacementTarget.objects.bulk_create(
        [
            ReplacementTarget(
                process=process,
                customer_id=process.customer_id,
                unit_id=process.unit_id,
                meter_id=meters.get(process.customer_id),
                reported_at=now,
                reported_by=actor,
                **vars(reports[process.customer_id]),
            )
            for process in mine
        ]
    )
    Process.objects.filter(pk__in=[p.pk for p in mine]).update(reference=_reference_of_target())
    ProcessEvent.objects.bulk_create(
        [
            ProcessEvent(
                process=t.process,
                customer_id=t.customer_id,
                unit_id=t.unit_id,
                domain=Domain.REPLACEMENT,
                verb="replacement.opened",
                to_state=TargetState.SUBMITTED,
                state_label=label,
                actor=actor,
                at=now,
                note=f"{TargetSource(t.source).label}: {reports[t.customer_id].damage_type}",
            )
            for t in new
        ]
    )
    for target in new:
        target.process.reference = target.reference
    return OpenedTargets({**found, **{t.customer_id: t for t in new}}, {t.customer_id for t in new})


def _reference_of_target() -> RawSQL:
    """SQL: the TO number of the process's target (``target_reference``), for an UPDATE."""
    process, target = Process._meta.db_table, ReplacementTarget._meta.db_table
    # Table names from the models, no values.
    target_id = f"(SELECT t.id FROM {target} t WHERE t.process_id = {process}.id)"  # noqa: S608
    return RawSQL(target_reference.sql(target_id), ())  # noqa: S611


@transaction.atomic
def verify_target(*, target: ReplacementTarget, actor: User) -> ReplacementTarget:
    """Verifikasi APP Rusak: the supervisor approves the target for a work order (seed 000)."""
    require_role(actor, VERIFIER_ROLES)
    target = _locked(target, actor)
    if not can_proceed(target.verify):
        _refuse_stale(target, _("diverifikasi"))
    target.verify(by=actor)
    _advance(target, actor, "verified")
    return target


@transaction.atomic
def send_target_to_reverification(
    *, target: ReplacementTarget, actor: User, reason: str
) -> ReplacementTarget:
    """Verifikasi APP Rusak: doubtful targets go to Verifikasi Ulang TO with a reason."""
    require_role(actor, VERIFIER_ROLES)
    if not reason.strip():
        raise InvalidInput("reason", _("Alasan verifikasi ulang wajib diisi."))
    target = _locked(target, actor)
    if not can_proceed(target.send_to_reverification):
        _refuse_stale(target, _("dikirim ke verifikasi ulang"))
    target.send_to_reverification(reason=reason.strip())
    # A reading with an LBKB code since the report marks it, before Hapus dari TO is possible.
    target.from_reading_anomaly = lbkb_marks({target.customer_id: target.from_reading_anomaly})[
        target.customer_id
    ]
    _advance(target, actor, "sent_to_reverification", note=reason.strip())
    return target


@transaction.atomic
def reverify_target(*, target: ReplacementTarget, actor: User) -> ReplacementTarget:
    """Verifikasi Ulang TO: the target goes on to a work order after all (seed 000)."""
    require_role(actor, VERIFIER_ROLES)
    target = _locked(target, actor)
    if not can_proceed(target.reverify):
        _refuse_stale(target, _("dilanjutkan ke cetak PK"))
    target.reverify(by=actor)
    _advance(target, actor, "reverified")
    return target


def attach_ba_document(*, target: ReplacementTarget, actor: User, upload) -> Document:
    """Keep a scanned BA with the target; required before an LBKB target is dropped (seed 000)."""
    require_role(actor, VERIFIER_ROLES)
    checked = check_scan(upload, field="document", label=_("Berkas BA"))
    with _files_removed_on_error() as saved:
        return _attach_ba_document(target, actor, upload, checked, saved)


def _attach_ba_document(target, actor, upload, checked, saved) -> Document:
    target = _locked(target, actor)
    if target.state != TargetState.REVERIFY:
        _refuse_stale(target, _("diberi BA"))
    document = Document(target=target, content_type=checked.content_type, uploaded_by=actor)
    # Named by its content: the event's attachment is served by its extension.
    document.file.save(f"ba{checked.extension}", upload, save=False)
    saved.append(document.file.name)
    document.save()
    record_event(
        process=target.process,
        verb="replacement.ba_uploaded",
        actor=actor,
        to_state=target.state,
        note=upload.name,
        attachment=document.file.name,
    )
    return document


@transaction.atomic
def drop_target(*, target: ReplacementTarget, actor: User, reason: str) -> ReplacementTarget:
    """Hapus dari TO: drop with a reason; an LBKB target only with its scanned BA (seed 000)."""
    require_role(actor, VERIFIER_ROLES)
    if not reason.strip():
        raise InvalidInput("reason", _("Alasan hapus dari TO wajib diisi."))
    target = _locked(target, actor)
    if target.state != TargetState.REVERIFY:
        _refuse_stale(target, _("dihapus dari TO"))
    if not target.can_be_dropped():
        raise WrongState(
            _("%(ref)s berasal dari LBKB: upload BA verifikasi dulu sebelum hapus dari TO.")
            % {"ref": target.reference}
        )
    target.drop(reason=reason.strip())
    _advance(target, actor, "dropped", note=reason.strip())
    return target


def _next_work_order_number(unit, year: int) -> str:
    """PK/<unit>/<year>/<n>: sequential per unit and year, no gaps (the counter row is locked)."""
    counter, _created = WorkOrderCounter.objects.get_or_create(unit=unit, year=year)
    counter = WorkOrderCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"PK/{unit.code}/{year}/{counter.last_number:06d}"


@transaction.atomic
def print_work_orders(*, targets: list[ReplacementTarget], actor: User) -> list[WorkOrder]:
    """Cetak PK: number verified targets' work orders; a reprint keeps its number and is logged."""
    require_role(actor, PRINTER_ROLES)
    work_orders = []
    now = timezone.now()
    for target in sorted(targets, key=lambda t: t.pk):
        target = _locked(target, actor)
        if target.state in (TargetState.PRINTED, TargetState.ASSIGNED, TargetState.REPLACED):
            work_order = WorkOrder.objects.select_for_update().get(target=target)
            work_order.print_count += 1
            work_order._history_user = actor
            work_order.save(update_fields=["print_count", "updated_at"])
            record_event(
                process=target.process,
                verb="replacement.work_order_reprinted",
                actor=actor,
                to_state=target.state,
                note=work_order.number,
            )
        elif can_proceed(target.print_work_order):
            local_year = timezone.localtime(now).year
            work_order = WorkOrder(
                target=target,
                unit=target.unit,
                printed_by=actor,
                number=_next_work_order_number(target.unit, local_year),
            )
            work_order._history_user = actor
            work_order.save()
            target.print_work_order()
            _advance(target, actor, "work_order_printed", note=work_order.number)
        else:
            _refuse_stale(target, _("dicetak PK-nya"))
        work_order.target = target
        work_orders.append(work_order)
    return work_orders


@transaction.atomic
def assign_work_orders(
    *, work_orders: list[WorkOrder], officer: User, actor: User
) -> list[WorkOrder]:
    """Distribusi PK: hand printed work orders to a field officer; a reassignment is logged."""
    require_role(actor, DISTRIBUTOR_ROLES)
    assigned = []
    for work_order in sorted(work_orders, key=lambda w: w.pk):
        target = _locked(work_order.target, actor)
        ensure_field_officer_for(target.unit, officer, actor=actor)
        if not can_proceed(target.assign):
            _refuse_stale(target, _("didistribusikan"))
        work_order = WorkOrder.objects.select_for_update().get(pk=work_order.pk)
        previous = work_order.assigned_to
        work_order.assigned_to, work_order.assigned_at = officer, timezone.now()
        work_order._history_user = actor
        work_order.save(update_fields=["assigned_to", "assigned_at", "updated_at"])
        target.assign()
        verb = "work_order_reassigned" if previous else "work_order_assigned"
        note = f"{work_order.number} → {officer.username}"
        if previous and previous != officer:
            note = f"{work_order.number}: {previous.username} → {officer.username}"
        _advance(target, actor, verb, note=note)
        assigned.append(work_order)
    return assigned


@dataclass
class NewMeter:
    brand: str
    meter_number: str
    initial_reading: Decimal
    model: str = ""
    serial_number: str = ""
    seal_numbers: str = ""
    # A prepaid meter's vending key when it is not the old meter's (a new meter from the
    # factory on the KRN-2 key, VKRN 43); None keeps the old meter's key data.
    vkrn: int | None = None


def record_replacement(
    *,
    target: ReplacementTarget,
    actor: User,
    officer: User,
    new_meter: NewMeter,
    old_final_reading: Decimal,
    replaced_on: date,
    photos: list,
    low_reading_reason: str = "",
) -> Replacement:
    """Data APP Ganti: record the new meter; closes the process and makes it current (seed 000)."""
    require_role(actor, REPLACER_ROLES)
    _check_photo_count(photos)
    with _files_removed_on_error() as saved:
        return _record_replacement(
            target,
            actor,
            officer,
            new_meter,
            old_final_reading,
            replaced_on,
            photos,
            low_reading_reason.strip(),
            saved,
        )


def check_replacement_date(*, replaced_on: date, printed_at, zone) -> None:
    """Tanggal ganti lies between the PK's print date and today, both as days in the unit's time
    zone: the meter is replaced on the PK's orders, not before them (seed 000, Data APP Ganti)."""
    if replaced_on > timezone.localdate(timezone=zone):
        raise InvalidInput("replaced_on", _("Tanggal ganti tidak boleh di masa depan."))
    printed_on = timezone.localtime(printed_at, zone).date()
    if replaced_on < printed_on:
        raise InvalidInput(
            "replaced_on",
            _("Tanggal ganti %(day)s sebelum tanggal cetak PK %(printed)s.")
            % {"day": f"{replaced_on:%d-%m-%Y}", "printed": f"{printed_on:%d-%m-%Y}"},
        )


@dataclass(frozen=True)
class LastReading:
    kwh: Decimal
    on: date  # in the unit's time zone


def last_reading_of(target, latest: LatestReading | None, zone) -> LastReading | None:
    """The old meter's last known stan: the newer of the stan noted when it was reported broken
    and the customer's latest meter reading (ACMT), unless that reading is of an earlier meter."""
    known = []
    if target.reading_at_discovery is not None:
        reported_on = timezone.localtime(target.reported_at, zone).date()
        known.append(LastReading(target.reading_at_discovery, reported_on))
    if latest is not None:
        # A reading without its time counts from the period's first day: the widest allowance.
        read_on = (
            timezone.localtime(latest.read_at, zone).date()
            if latest.read_at
            else date(int(latest.period[:4]), int(latest.period[4:]), 1)
        )
        installed_on = target.meter.installed_at if target.meter else None
        if installed_on is None or read_on >= installed_on:
            known.append(LastReading(latest.register_kwh, read_on))
    # The discovery stan first: on the same day it was read off the broken meter itself.
    return max(known, key=lambda reading: reading.on, default=None)


def daily_use_limit_kwh(power_va: int) -> Decimal:
    """The most a meter can count in a day: its contracted power, all day (the breaker caps it)."""
    return Decimal(power_va or 0) * 24 / 1000


def final_reading_far_from_last(
    *, final: Decimal, last: LastReading | None, power_va: int, replaced_on: date
) -> str:
    """Why the old meter's final stan is far from its last known one, "" if it is not: below it,
    or above it by more than the contracted power can use from that day to the replacement day,
    both days counted (issue #19; seed 000, Data APP Ganti). The field app repeats this rule."""
    if last is None:
        return ""
    values = {"final": number(final), "last": number(last.kwh), "on": f"{last.on:%d-%m-%Y}"}
    if final < last.kwh:
        return _("Stan akhir %(final)s lebih kecil dari stan terakhir %(last)s (%(on)s)") % values
    days = max((replaced_on - last.on).days, 0) + 1
    limit = last.kwh + daily_use_limit_kwh(power_va) * days
    if power_va and final > limit:
        return _(
            "Stan akhir %(final)s melebihi stan terakhir %(last)s (%(on)s) ditambah pemakaian "
            "maksimum daya %(va)s VA selama %(days)d hari (batas %(limit)s)"
        ) % {**values, "va": number(power_va), "days": days, "limit": number(limit, 2)}
    return ""


def check_final_reading(target, final: Decimal, replaced_on: date, reason: str, zone) -> None:
    """A final stan far from the last known one is kept only with its reason (issue #19)."""
    latest = latest_readings([target.customer_id]).get(target.customer_id)
    problem = final_reading_far_from_last(
        final=final,
        last=last_reading_of(target, latest, zone),
        power_va=target.customer.power_va,
        replaced_on=replaced_on,
    )
    if problem and not reason:
        raise InvalidInput(
            "low_reading_reason", _("%(problem)s: isi alasannya.") % {"problem": problem}
        )


def new_meter_key(customer: Customer, vkrn: int | None) -> dict:
    """The vending key HOME records for a prepaid customer's new meter (seed 003: VKRN 43 is
    the KRN-2 key, its KRN follows from it); with none given it keeps the old meter's, and a
    postpaid meter has none (issue #23: a new meter on the KRN-2 key closes its KRN-2 target)."""
    if vkrn is None:
        return {}
    if customer.payment_mode != PaymentMode.PREPAID:
        refused = _("VKRN hanya diisi untuk meter prabayar; kosongkan untuk pascabayar.")
        raise InvalidInput("new_meter_vkrn", refused)
    return {"vkrn": vkrn, "key_revision": key_revision_of(vkrn)}


def _record_replacement(
    target,
    actor,
    officer,
    new_meter: NewMeter,
    old_final_reading,
    replaced_on,
    photos,
    low_reading_reason,
    saved,
) -> Replacement:
    target = _locked(target, actor)
    if not can_proceed(target.complete):
        _refuse_stale(target, _("dicatat penggantiannya"))
    zone = ZoneInfo(unit_time_zone(target.unit_id))
    check_replacement_date(
        replaced_on=replaced_on, printed_at=target.work_order.printed_at, zone=zone
    )
    check_final_reading(target, old_final_reading, replaced_on, low_reading_reason, zone)
    try:
        old_meter, meter = swap_meter(
            customer=target.customer,
            new_meter=Meter(
                brand=new_meter.brand.upper(),
                model=new_meter.model,
                meter_number=new_meter.meter_number,
                serial_number=new_meter.serial_number,
                installed_at=replaced_on,
                **new_meter_key(target.customer, new_meter.vkrn),
            ),
            removed_on=replaced_on,
            reason=RemovalReason.DAMAGED,
            note=target.damage_type.name,
            keep_key_data=True,
            actor=actor,
        )
    except MeterNotInstallable as exc:
        raise InvalidInput("new_meter_number", exc.message) from exc
    replacement = Replacement.objects.create(
        target=target,
        unit=target.unit,
        old_meter=old_meter,
        new_meter=meter,
        old_final_reading=old_final_reading,
        low_reading_reason=low_reading_reason,
        new_initial_reading=new_meter.initial_reading,
        seal_numbers=new_meter.seal_numbers,
        replaced_on=replaced_on,
        officer=officer,
        recorded_by=actor,
    )
    swaps_recorded([target.customer_id])
    _store_photos(target, photos[:1], PhotoStage.BEFORE, saved)
    _store_photos(target, photos[1:], PhotoStage.AFTER, saved)
    target.complete()
    _advance(
        target,
        actor,
        "replaced",
        note=f"{old_meter.meter_number if old_meter else '-'} → {meter.meter_number}",
    )
    return replacement


@transaction.atomic
def report_damage_in_field(
    *, actor: User, customer: Customer, report: DamageReport, photos: list, observed_at
) -> ReplacementTarget:
    """Input Data Rusak (HOME mode mobile, seed 000): a report typed on the phone, maybe offline,
    keeps the time it was made on the phone as its report date (never later than now)."""
    target = report_damage(actor=actor, customer=customer, report=report, photos=photos)
    observed_at = min(observed_at, timezone.now())
    ReplacementTarget.objects.filter(pk=target.pk).update(reported_at=observed_at)
    target.reported_at = observed_at
    return target
