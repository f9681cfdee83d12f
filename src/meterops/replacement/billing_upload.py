"""Peremajaan Kumulatif (seed 000): the billing system's daily "Monitoring Ganti Meter H+1"
export, uploaded by the helpdesk. Each row (keyed by the export's own NO_AGENDA) ends in one
outcome, never skipped silently (``BillingOutcome``):

- confirmed: the field already entered this replacement (same new meter) → marked confirmed;
- conflict: the field entered a different new meter, or the customer's TO has not reached a
  work order yet → listed on Konflik Peremajaan for review, nothing else changed;
- completed: the customer's open TO has a work order → the replacement is recorded from the
  billing data, the TO and its process close;
- meter_updated: no HOME process → the customer's current meter becomes the billed one;
- unchanged: the same NO_AGENDA was loaded before, or the current meter already is the new one.

Rows are re-classified under the customer locks when applied, so a replacement entered between
the check and the apply is seen. Writes are set-based per batch (bulk_create / update).
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meterops.core.choices import RoleCode
from meterops.core.errors import InvalidInput, NotFound, WrongState
from meterops.core.models import ProcessEvent
from meterops.core.scoping import scoped
from meterops.core.services import record_event, require_role
from meterops.core.transitions import move
from meterops.customers.choices import RemovalReason
from meterops.customers.meter_swaps import meters_swapped, swaps_recorded
from meterops.customers.models import Customer, Meter
from meterops.customers.services import (
    carried_key_data,
    refused_new_meters,
    swapped_in_multiplier,
)
from meterops.imports.models import UploadRow
from meterops.imports.registry import CheckedRow, Column, ImportTemplate, Kind, RowStatus, Scope
from meterops.vending.choices import key_revision_of

from .choices import BillingOutcome, TargetState
from .models import BillingReplacement, Replacement, ReplacementTarget, WorkOrder

BILLING_UPLOAD_ROLES = (RoleCode.ADMIN, RoleCode.UNIT_ADMIN, RoleCode.HELPDESK)
BILLING_REVIEW_ROLES = (RoleCode.ADMIN, RoleCode.UNIT_ADMIN, RoleCode.SUPERVISOR, RoleCode.HELPDESK)
READY_STATES = (TargetState.PRINTED, TargetState.ASSIGNED)

COLUMNS = (
    Column(
        "NO_AGENDA",
        Kind.TEXT,
        required=True,
        max_length=40,
        note="Nomor agenda AP2T: kunci baris ekspor billing.",
        example="5100126110000001",
    ),
    Column(
        "IDPEL",
        Kind.IDPEL,
        required=True,
        note="12 digit ID pelanggan (format Teks).",
        example="510010000001",
    ),
    Column(
        "TGL_GANTI",
        Kind.DATE,
        required=True,
        note="Tanggal peremajaan, YYYY-MM-DD.",
        example="2026-11-24",
    ),
    Column(
        "NO_METER_LAMA",
        Kind.TEXT,
        max_length=20,
        note="Nomor meter yang dicabut.",
        example="45012345678",
    ),
    Column(
        "STAN_CABUT",
        Kind.DECIMAL,
        required=True,
        minimum=Decimal(0),
        note="Stan akhir meter lama (kWh).",
        example="10234.5",
    ),
    Column("MERK_METER_BARU", Kind.TEXT, required=True, max_length=40, example="ITRON"),
    Column("TYPE_METER_BARU", Kind.TEXT, max_length=40, example="ACE1000"),
    Column("NO_METER_BARU", Kind.TEXT, required=True, max_length=20, example="56012345678"),
    Column(
        "STAN_PASANG",
        Kind.DECIMAL,
        required=True,
        minimum=Decimal(0),
        note="Stan awal meter baru (kWh).",
        example="0",
    ),
    Column(
        "VKRN_METER_BARU",
        Kind.CHOICE,
        choices=("41", "42", "43"),
        note="Prabayar: kunci vending meter baru (41/42 kunci lama, 43 KRN-2); kosong = sama "
        "dengan meter lama.",
        example="43",
    ),
)


def classify(rows: list[CheckedRow], *, actor, template) -> None:
    """One outcome per row from five set-based reads of the batch's customers."""
    customer_ids = [r.customer_id for r in rows]
    known = {
        b.row_key: b
        for b in BillingReplacement.objects.filter(row_key__in=[r.cells["NO_AGENDA"] for r in rows])
    }
    current = {
        m.customer_id: m
        for m in Meter.objects.filter(customer_id__in=customer_ids, removed_at__isnull=True)
    }
    open_targets = {
        t.customer_id: t
        for t in ReplacementTarget.objects.filter(
            customer_id__in=customer_ids, process__is_open=True
        )
    }
    field_entries = {
        r.new_meter_id: r
        for r in Replacement.objects.filter(
            new_meter_id__in=[m.pk for m in current.values()], billing_confirmed_at__isnull=True
        )
    }
    refused = refused_new_meters(
        numbers={r.cells["NO_METER_BARU"] for r in rows}, customer_ids=customer_ids
    )
    for row in rows:
        _classify_row(row, known, current, open_targets, field_entries, refused)


def _classify_row(row, known, current, open_targets, field_entries, refused) -> None:
    cells, new_number = row.cells, row.cells["NO_METER_BARU"]
    earlier = known.get(cells["NO_AGENDA"])
    if earlier is not None:
        if earlier.customer_id == row.customer_id and earlier.new_meter_number == new_number:
            row.status = RowStatus.UNCHANGED
            row.cells["_outcome"] = "unchanged"
        else:
            row.reject("NO_AGENDA", _("NO_AGENDA ini sudah dimuat dengan IDPEL/meter lain."))
        return
    if new_number in refused:
        row.reject("NO_METER_BARU", refused[new_number])
        return
    meter = current.get(row.customer_id)
    target = open_targets.get(row.customer_id)
    field = field_entries.get(meter.pk) if meter is not None else None
    row.status, outcome = RowStatus.CHANGED, BillingOutcome.METER_UPDATED
    if field is not None and meter.meter_number == new_number:
        outcome = BillingOutcome.CONFIRMED
        row.cells["_replacement_id"] = field.pk
    elif field is not None:
        outcome = BillingOutcome.CONFLICT
        row.cells["_replacement_id"] = field.pk
        row.cells["_conflict"] = _(
            "Lapangan mencatat meter baru %(field)s, billing %(billing)s."
        ) % {"field": meter.meter_number, "billing": new_number}
    elif target is not None and target.state in READY_STATES:
        outcome = BillingOutcome.COMPLETED
        row.cells["_target_id"] = target.pk
    elif target is not None:
        outcome = BillingOutcome.CONFLICT
        row.cells["_target_id"] = target.pk
        row.cells["_conflict"] = _(
            "%(ref)s masih berstatus %(state)s (belum ada PK); periksa sebelum diselesaikan."
        ) % {"ref": target.reference, "state": target.get_state_display()}
    elif meter is not None and meter.meter_number == new_number:
        row.status, outcome = RowStatus.UNCHANGED, "unchanged"
    row.cells["_outcome"] = str(outcome)
    if meter is not None:
        row.cells["_old_meter_id"] = meter.pk


def apply(*, upload, batch: int, actor) -> None:
    """Write the batch's outcomes; the classification is redone under the customers' locks."""
    staged = list(
        UploadRow.objects.filter(
            upload=upload, batch=batch, status__in=[RowStatus.NEW, RowStatus.CHANGED]
        )
    )
    if not staged:
        return
    rows = [
        CheckedRow(row_number=s.row_number, cells=dict(s.cells), raw=[], customer_id=s.customer_id)
        for s in staged
    ]
    classify(rows, actor=actor, template=None)
    by_number = {s.row_number: s for s in staged}
    groups: dict[str, list[CheckedRow]] = defaultdict(list)
    for row in rows:
        staged_row = by_number[row.row_number]
        staged_row.status, staged_row.cells = row.status, row.cells
        staged_row.error_column, staged_row.reason = row.column, row.reason
        if row.ok and row.status != RowStatus.UNCHANGED:
            groups[row.cells["_outcome"]].append(row)
    now = timezone.now()
    customers = Customer.objects.in_bulk([r.customer_id for r in rows])
    replacements = _complete_targets(groups[BillingOutcome.COMPLETED], actor, now, customers)
    _record_damaged_removals(groups[BillingOutcome.COMPLETED])
    _swap_meters(groups[BillingOutcome.METER_UPDATED], actor)
    confirmed = [r.cells["_replacement_id"] for r in groups[BillingOutcome.CONFIRMED]]
    Replacement.objects.filter(pk__in=confirmed).update(billing_confirmed_at=now)
    _events(groups, actor, now, customers)
    records = []
    for outcome, group in groups.items():
        for row in group:
            records.append(_billing_row(row, outcome, upload, customers, replacements))
    BillingReplacement.objects.bulk_create(records)
    swaps_recorded(
        r.customer_id
        for outcome in (BillingOutcome.COMPLETED, BillingOutcome.METER_UPDATED)
        for r in groups[outcome]
    )
    record_of = {b.row_key: b.pk for b in records}
    for staged_row in staged:
        staged_row.record_id = record_of.get(staged_row.cells.get("NO_AGENDA"))
    UploadRow.objects.bulk_update(
        staged, ["status", "cells", "error_column", "reason", "record_id"], batch_size=1000
    )


def _new_meter(row: CheckedRow, old: Meter | None, customer_id: int) -> Meter:
    cells = row.cells
    return Meter(
        customer_id=customer_id,
        brand=cells["MERK_METER_BARU"].upper(),
        model=cells.get("TYPE_METER_BARU") or "",
        meter_number=cells["NO_METER_BARU"],
        installed_at=date.fromisoformat(cells["TGL_GANTI"]),
        multiplier=swapped_in_multiplier(old, Decimal(1)),
        **{**carried_key_data(old), **_vending_key_of(cells)},
    )


def _vending_key_of(cells: dict) -> dict:
    """The new meter's VKRN from the file, and the KRN it implies (seed 003); none if blank."""
    vkrn = cells.get("VKRN_METER_BARU")
    return {"vkrn": int(vkrn), "key_revision": key_revision_of(int(vkrn))} if vkrn else {}


def _swap_meters(rows: list[CheckedRow], actor) -> dict[int, Meter]:
    """Remove each customer's current meter on the replacement day and install the new one."""
    if not rows:
        return {}
    old = Meter.objects.in_bulk(
        [r.cells["_old_meter_id"] for r in rows if "_old_meter_id" in r.cells]
    )
    removed = []
    for row in rows:
        meter = old.get(row.cells.get("_old_meter_id"))
        if meter is not None:
            meter.removed_at = date.fromisoformat(row.cells["TGL_GANTI"])
            removed.append(meter)
    Meter.objects.bulk_update(removed, ["removed_at"], batch_size=1000)
    new = [_new_meter(r, old.get(r.cells.get("_old_meter_id")), r.customer_id) for r in rows]
    Meter.objects.bulk_create(new, batch_size=1000)
    Meter.history.bulk_history_create(removed, update=True, default_user=actor)
    Meter.history.bulk_history_create(new, default_user=actor)
    new_of = {m.customer_id: m.pk for m in new}
    meters_swapped([(m.pk, new_of[m.customer_id]) for m in removed], actor=actor)
    return {m.customer_id: m for m in new}


def _complete_targets(rows, actor, now, customers) -> dict[str, Replacement]:
    """Record the replacement of each TO with a work order from the billing data; close it."""
    if not rows:
        return {}
    new_meters = _swap_meters(rows, actor)
    targets = ReplacementTarget.objects.in_bulk([r.cells["_target_id"] for r in rows])
    officers = dict(
        WorkOrder.objects.filter(target_id__in=list(targets)).values_list(
            "target_id", "assigned_to_id"
        )
    )
    made = {}
    for row in rows:
        target = targets[row.cells["_target_id"]]
        made[row.cells["NO_AGENDA"]] = Replacement(
            target=target,
            unit_id=target.unit_id,
            old_meter_id=row.cells.get("_old_meter_id"),
            new_meter=new_meters[row.customer_id],
            old_final_reading=Decimal(row.cells["STAN_CABUT"]),
            new_initial_reading=Decimal(row.cells["STAN_PASANG"]),
            replaced_on=date.fromisoformat(row.cells["TGL_GANTI"]),
            officer_id=officers.get(target.pk) or actor.pk,
            recorded_by=actor,
            billing_confirmed_at=now,
        )
    Replacement.objects.bulk_create(made.values())
    Replacement.history.bulk_history_create(list(made.values()), default_user=actor)
    # The events, one per row with its billing data, are written by _events.
    move(
        ReplacementTarget.objects.filter(pk__in=list(targets)),
        method=ReplacementTarget.complete,
        verb="replacement.replaced_by_billing",
        actor=actor,
        closes=True,
        closed_at=now,
    )
    return made


def _record_damaged_removals(rows) -> None:
    """A meter a completed TO took out was removed as damaged, as ``swap_meter`` records it for
    a single replacement, so ``refused_new_meters`` refuses it as anyone's new meter."""
    old_ids = [r.cells["_old_meter_id"] for r in rows if "_old_meter_id" in r.cells]
    if not old_ids:
        return
    damage = Replacement.objects.filter(old_meter=OuterRef("pk")).values(
        "target__damage_type__name"
    )[:1]
    Meter.objects.filter(pk__in=old_ids).update(
        removal_reason=RemovalReason.DAMAGED, removal_note=Coalesce(Subquery(damage), Value(""))
    )


def _events(groups, actor, now, customers) -> None:
    """One audit event per applied row, on the customer's HOME process where there is one."""
    target_ids = [r.cells["_target_id"] for r in groups[BillingOutcome.COMPLETED]]
    process_of = dict(
        ReplacementTarget.objects.filter(pk__in=target_ids).values_list("pk", "process_id")
    )
    replacement_ids = [r.cells["_replacement_id"] for r in groups[BillingOutcome.CONFIRMED]]
    process_of_replacement = dict(
        Replacement.objects.filter(pk__in=replacement_ids).values_list("pk", "target__process_id")
    )
    events = []
    for outcome, group in groups.items():
        for row in group:
            customer = customers[row.customer_id]
            process_id, from_state, to_state, verb = None, "", "", "replacement.billing_meter"
            if outcome == BillingOutcome.COMPLETED:
                process_id = process_of[row.cells["_target_id"]]
                from_state, to_state = "", TargetState.REPLACED
                verb = "replacement.replaced_by_billing"
            elif outcome == BillingOutcome.CONFIRMED:
                process_id = process_of_replacement[row.cells["_replacement_id"]]
                verb = "replacement.billing_confirmed"
            elif outcome == BillingOutcome.CONFLICT:
                verb = "replacement.billing_conflict"
            events.append(
                ProcessEvent(
                    process_id=process_id,
                    customer=customer,
                    unit_id=customer.unit_id,
                    domain="replacement",
                    verb=verb,
                    from_state=from_state,
                    to_state=to_state,
                    state_label=str(TargetState.REPLACED.label) if to_state else "",
                    actor=actor,
                    at=now,
                    note=_("Peremajaan billing %(key)s: %(old)s → %(new)s. %(conflict)s")
                    % {
                        "key": row.cells["NO_AGENDA"],
                        "old": row.cells.get("NO_METER_LAMA") or "-",
                        "new": row.cells["NO_METER_BARU"],
                        "conflict": row.cells.get("_conflict", ""),
                    },
                )
            )
    ProcessEvent.objects.bulk_create(events, batch_size=1000)


def _billing_row(row, outcome, upload, customers, replacements) -> BillingReplacement:
    cells = row.cells
    made = replacements.get(cells["NO_AGENDA"])
    return BillingReplacement(
        row_key=cells["NO_AGENDA"],
        customer_id=row.customer_id,
        unit_id=customers[row.customer_id].unit_id,
        replaced_on=date.fromisoformat(cells["TGL_GANTI"]),
        old_meter_number=cells.get("NO_METER_LAMA") or "",
        new_meter_brand=cells["MERK_METER_BARU"].upper(),
        new_meter_model=cells.get("TYPE_METER_BARU") or "",
        new_meter_number=cells["NO_METER_BARU"],
        old_final_reading=Decimal(cells["STAN_CABUT"]),
        new_initial_reading=Decimal(cells["STAN_PASANG"]),
        outcome=outcome,
        conflict_reason=cells.get("_conflict", ""),
        target_id=cells.get("_target_id"),
        replacement_id=made.pk if made else cells.get("_replacement_id"),
        upload_id=upload.pk,
    )


@transaction.atomic
def resolve_billing_conflict(*, row: BillingReplacement, actor, note: str) -> BillingReplacement:
    """Konflik Peremajaan: a reviewer closes a conflict with what was done about it (seed 000)."""
    require_role(actor, BILLING_REVIEW_ROLES)
    row = (
        scoped(BillingReplacement, actor)
        .select_for_update()
        .select_related("customer")
        .filter(pk=row.pk)
        .first()
    )
    if row is None:
        raise NotFound(_("Data peremajaan tidak ditemukan di unit Anda."))
    if row.resolved_at is not None:
        raise WrongState(_("Konflik ini sudah ditinjau."))
    note = note.strip()
    if not note:
        raise InvalidInput("note", _("Isi catatan tinjauan: apa yang sudah dilakukan."))
    row.resolved_at, row.resolved_by, row.resolution_note = timezone.now(), actor, note
    row.save(update_fields=["resolved_at", "resolved_by", "resolution_note", "updated_at"])
    record_event(
        verb="replacement.billing_conflict_resolved",
        actor=actor,
        customer=row.customer,
        domain="replacement",
        note=f"{row.row_key}: {note}",
    )
    return row


def _conflict_url(pk: int) -> str:
    return reverse("replacement:billing_detail", args=[pk])


PEREMAJAAN_KUMULATIF = ImportTemplate(
    code="peremajaan-kumulatif",
    title="Peremajaan Kumulatif",
    description='Ekspor billing "Monitoring Ganti Meter H+1" (AP2T), diunggah oleh Helpdesk.',
    columns=COLUMNS,
    key_columns=("NO_AGENDA",),
    classify=classify,
    apply=apply,
    roles=BILLING_UPLOAD_ROLES,
    scope=Scope.CUSTOMER,
    instructions=(
        "Unggah ekspor Monitoring Ganti Meter H+1 dari AP2T apa adanya (.xlsx atau .csv).",
        "Setiap baris dikunci oleh NO_AGENDA: baris yang sudah pernah dimuat tidak diulang.",
        "Jika petugas sudah mencatat penggantian yang sama, penggantian ditandai "
        "dikonfirmasi billing.",
        "Jika petugas mencatat meter baru yang berbeda, atau TO belum dicetak PK-nya, baris "
        "masuk daftar Konflik Peremajaan untuk ditinjau.",
        "Jika TO sudah dicetak PK-nya, penggantian dicatat dari data billing dan TO selesai.",
        "Jika tidak ada TO, meter pelanggan di DIL diperbarui.",
        "Jangan memakai rumus (formula) dan jangan mengubah judul kolom.",
    ),
    record_url=_conflict_url,
    record_label=lambda pk: f"#{pk}",
)
