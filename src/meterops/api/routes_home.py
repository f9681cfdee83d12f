"""The HOME endpoints (seed 000): Monitoring PK, Distribusi PK, Input Data Rusak and Ganti."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status

from meterops.core.errors import InvalidInput
from meterops.core.services import field_officers_for, require_role
from meterops.customers.queries import find_customer_for
from meterops.replacement import services as replacement
from meterops.replacement.choices import TargetState, WorkOrderStatus
from meterops.replacement.models import DamageType
from meterops.replacement.queries import work_orders_for

from . import schemas as s
from . import services
from .responses import ERRORS, aware, changed_since, conflict, write_once

router = Router()


def _work_order_row(work_order) -> dict:
    status = work_order.current_status
    target = work_order.target
    return {
        "id": work_order.pk,
        "number": work_order.number,
        "target_reference": target.reference,
        "customer_id": target.customer.customer_id,
        "customer_name": target.customer.name,
        "damage_type": target.damage_type.name,
        "status": status,
        "status_label": str(WorkOrderStatus(status).label),
        "printed_at": work_order.printed_at,
        "assigned_to": work_order.assigned_to.username if work_order.assigned_to else None,
        "version": target.updated_at,
    }


def _visible_work_orders(user):
    """A contractor's staff see unassigned PKs and their own contractor's, never another's."""
    work_orders = work_orders_for(user)
    if user.contractor_id:
        work_orders = work_orders.filter(
            Q(assigned_to__isnull=True) | Q(assigned_to__contractor_id=user.contractor_id)
        )
    return work_orders


@router.get("/work-orders", response={200: list[s.WorkOrderOut], **ERRORS}, tags=["PK"])
def work_orders(request, status: WorkOrderStatus | None = None):
    """Monitoring PK (status filter) and Distribusi PK (status=printed) of the user's units."""
    user = request.user
    require_role(user, replacement.DISTRIBUTOR_ROLES + replacement.REPLACER_ROLES)
    rows = _visible_work_orders(user)
    if not user.has_role(*replacement.DISTRIBUTOR_ROLES):
        rows = rows.filter(assigned_to=user)
    if status == WorkOrderStatus.PRINTED:
        rows = rows.filter(target__state=TargetState.PRINTED)
    elif status == WorkOrderStatus.ASSIGNED:
        rows = rows.filter(target__state=TargetState.ASSIGNED)
    elif status == WorkOrderStatus.REPLACED:
        rows = rows.filter(target__state=TargetState.REPLACED)
    overdue_days = user.unit_settings().overdue_work_order_days
    rows = rows.with_status(overdue_days).order_by("-printed_at", "-id")
    result = [_work_order_row(w) for w in rows[:200]]
    if status == WorkOrderStatus.OVERDUE:
        result = [row for row in result if row["status"] == WorkOrderStatus.OVERDUE]
    return result


@router.get("/officers", response={200: list[s.OfficerOut], **ERRORS}, tags=["PK"])
def officers(request):
    """The field officers the user may hand a PK to (Distribusi PK)."""
    user = request.user
    require_role(user, replacement.DISTRIBUTOR_ROLES)
    unit = user.home_unit()
    if unit is None:
        return []
    return [
        {"id": o.pk, "username": o.username, "full_name": o.get_full_name() or o.username}
        for o in field_officers_for(unit, actor=user)[:500]
    ]


# --- Writes ------------------------------------------------------------------------------


def _target_out(target) -> dict:
    return {
        "id": target.pk,
        "reference": target.reference,
        "customer_id": target.customer.customer_id,
        "state": target.state,
        "state_label": str(target.get_state_display()),
        "lbkb": target.from_reading_anomaly,
        "reported_at": target.reported_at.isoformat(),
        "version": target.updated_at.isoformat(),
    }


@router.post(
    "/damage-reports",
    response={201: s.TargetOut, 200: s.TargetOut, **ERRORS},
    tags=["input"],
)
def damage_report(request, payload: s.DamageReportIn):
    """Input Data Rusak: a broken meter goes on the target list, with photos, GPS and time."""
    user = request.user

    def write():
        customer = find_customer_for(user, payload.customer_id)
        if customer is None:
            raise InvalidInput(
                "customer_id",
                _("IDPEL %(idpel)s tidak ditemukan di unit Anda.") % {"idpel": payload.customer_id},
            )
        damage_type = DamageType.objects.filter(code=payload.damage_type, is_active=True).first()
        if damage_type is None:
            raise InvalidInput("damage_type", _("Jenis kerusakan tidak dikenal."))
        files = services.photos_for_write(user=user, ids=payload.photo_ids)
        try:
            report = replacement.DamageReport(
                damage_type=damage_type,
                notes=payload.notes,
                reading_at_discovery=payload.reading_at_discovery,
                latitude=payload.latitude,
                longitude=payload.longitude,
                from_reading_anomaly=payload.lbkb,
            )
            target = replacement.report_damage_in_field(
                actor=user,
                customer=customer,
                report=report,
                photos=files,
                observed_at=aware(payload.observed_at) or timezone.now(),
            )
        finally:
            services.close_files(files)
        services.mark_photos_used(payload.photo_ids)
        return 201, _target_out(target)

    status, body = services.idempotent(
        user=user,
        client_id=payload.client_id,
        operation="damage_report",
        subject=f"IDPEL {payload.customer_id}",
        write=write,
    )
    return Status(200 if body.get("replayed") else status, body)


# The new meter's model fields as this endpoint names them, so a refusal points at the field
# the phone shows (a model error on "meter_number" is the entry's "new_meter_number").
NEW_METER_FIELDS = {
    "meter_number": "new_meter_number",
    "brand": "new_meter_brand",
    "model": "new_meter_model",
    "serial_number": "new_meter_serial",
    "initial_reading": "new_initial_reading",
}


@router.post(
    "/replacements",
    response={201: s.ReplacementOut, 200: s.ReplacementOut, **ERRORS, 409: s.ConflictOut},
    tags=["input"],
)
def replacement_entry(request, payload: s.ReplacementIn):
    """Input Data Ganti: the new meter of a distributed PK. ``version`` is the PK's ``version``
    from the work list; if the target changed since, 409 with both versions."""
    user = request.user

    def write():
        work_order = get_object_or_404(_visible_work_orders(user), pk=payload.work_order_id)
        target = work_order.target
        if changed_since(target, payload.version):
            server = {
                **_target_out(target),
                "work_order": work_order.number,
                "assigned_to": work_order.assigned_to.username if work_order.assigned_to else None,
            }
            return conflict(target, payload, reference=work_order.number, server=server)
        files = services.photos_for_write(user=user, ids=payload.photo_ids)
        try:
            result = replacement.record_replacement(
                target=target,
                actor=user,
                officer=work_order.assigned_to or user,
                new_meter=replacement.NewMeter(
                    brand=payload.new_meter_brand,
                    meter_number=payload.new_meter_number,
                    initial_reading=payload.new_initial_reading,
                    model=payload.new_meter_model,
                    serial_number=payload.new_meter_serial,
                    seal_numbers=payload.seal_numbers,
                    vkrn=payload.new_meter_vkrn,
                ),
                old_final_reading=payload.old_final_reading,
                replaced_on=payload.replaced_on,
                photos=files,
                low_reading_reason=payload.low_reading_reason,
            )
        except ValidationError as exc:
            field = next(iter(exc.message_dict), "meter_number")
            raise InvalidInput(NEW_METER_FIELDS.get(field, field), " ".join(exc.messages)) from exc
        finally:
            services.close_files(files)
        services.mark_photos_used(payload.photo_ids)
        return 201, {
            "id": result.pk,
            "work_order": work_order.number,
            "target_reference": target.reference,
            "new_meter_number": result.new_meter.meter_number,
            "replaced_on": result.replaced_on.isoformat(),
            "state_label": str(TargetState.REPLACED.label),
        }

    return write_once(
        user=user,
        payload=payload,
        operation="replacement",
        subject=f"PK {payload.work_order_id}",
        write=write,
    )


def _assignment(payload: s.AssignIn) -> str:
    ids = ",".join(str(pk) for pk in sorted(set(payload.work_order_ids)))
    return f"PK {ids} ke petugas {payload.officer_id}"


@router.post("/work-orders/assign", response={200: s.AssignOut, **ERRORS}, tags=["PK"])
def assign(request, payload: s.AssignIn):
    """Distribusi PK: hand printed PKs to a field officer."""
    user = request.user
    require_role(user, replacement.DISTRIBUTOR_ROLES)

    def write():
        rows = list(_visible_work_orders(user).filter(pk__in=payload.work_order_ids))
        missing = set(payload.work_order_ids) - {w.pk for w in rows}
        if missing:
            raise InvalidInput(
                "work_order_ids",
                _("PK %(ids)s tidak ditemukan di unit Anda.")
                % {"ids": ", ".join(map(str, sorted(missing)))},
            )
        officers = field_officers_for(rows[0].unit, actor=user)
        officer = officers.filter(pk=payload.officer_id).first()
        if officer is None:
            raise InvalidInput("officer_id", _("Petugas tidak ditemukan."))
        done = replacement.assign_work_orders(work_orders=rows, officer=officer, actor=user)
        return 200, {"assigned": [w.number for w in done], "officer": officer.username}

    status, body = services.idempotent(
        user=user,
        client_id=payload.client_id,
        operation="assign",
        subject=_assignment(payload),
        write=write,
    )
    return Status(status, body)
