"""Fieldwork orders (seed 004) on the officer's work list: the outcome endpoint."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from meterops.core.errors import InvalidInput
from meterops.core.scoping import scoped

from . import schemas as s
from . import services
from .responses import ERRORS, changed_since, conflict, write_once

router = Router()


def _aware(moment):
    """A time the phone sent without its zone is refused rather than guessed."""
    if moment is not None and timezone.is_naive(moment):
        raise InvalidInput("done_at", _("done_at wajib dengan zona waktu (ISO 8601)."))
    return moment


def _cut_before_withdrawal(order, payload) -> bool:
    """A cut the officer made before the payment that withdrew its order is not a conflict:
    the service records it when it came first (and refuses it when it came after)."""
    return payload.result == "done" and order.withdrawn_by_payment


def _record_order(user, order, payload: s.OrderOutcomeIn, photos: list):
    """Call the fieldwork service of the order's kind with what the officer sent."""
    from meterops.customers.models import Route, Substation
    from meterops.fieldwork import services as fieldwork
    from meterops.fieldwork.choices import InspectionFinding, OrderKind

    if payload.result == "failed":
        if not payload.reason:
            raise InvalidInput("reason", _("Isi alasan order gagal."))
        return fieldwork.fail_order(actor=user, order=order, reason=payload.reason)
    photo = photos[0] if photos else None
    kind = order.kind
    if kind in (
        OrderKind.ACCURACY_CHECK,
        OrderKind.DISCONNECTION,
        OrderKind.RECONNECTION,
        OrderKind.DISMANTLING,
    ):
        if payload.register_kwh is None:
            raise InvalidInput("register_kwh", _("Stan (kWh) wajib diisi."))
        if photo is None:
            raise InvalidInput("photo_ids", _("Foto wajib dilampirkan."))
        values = {"actor": user, "order": order, "register_kwh": payload.register_kwh}
        if kind == OrderKind.ACCURACY_CHECK:
            return fieldwork.record_accuracy_check(**values, photo=photo)
        if kind == OrderKind.DISCONNECTION:
            return fieldwork.record_disconnection(
                **values,
                photo=photo,
                method=payload.disconnection_method,
                seal_number=payload.seal_number,
                at=_aware(payload.done_at),
            )
        record = {
            OrderKind.RECONNECTION: fieldwork.record_reconnection,
            OrderKind.DISMANTLING: fieldwork.record_dismantling,
        }[kind]
        return record(**values, photo=photo, at=_aware(payload.done_at))
    if kind == OrderKind.PREPAID_SAMPLING:
        if payload.credit_kwh is None:
            raise InvalidInput("credit_kwh", _("Sisa kWh wajib diisi."))
        anomaly = services.anomaly_for(payload.anomaly_code)
        return fieldwork.record_prepaid_sampling(
            actor=user,
            order=order,
            credit_kwh=payload.credit_kwh,
            photo=photo,
            anomaly=anomaly,
            latitude=payload.latitude,
            longitude=payload.longitude,
        )
    if kind == OrderKind.P2TL_INSPECTION:
        if payload.inspection_finding not in InspectionFinding.values:
            raise InvalidInput("inspection_finding", _("Pilih temuan pemeriksaan P2TL."))
        return fieldwork.record_p2tl_inspection(
            actor=user,
            order=order,
            finding=payload.inspection_finding,
            photo=photo,
            note=payload.note,
        )
    if kind == OrderKind.NOTICE:
        return fieldwork.record_notice(
            actor=user,
            order=order,
            outcome=payload.notice_outcome,
            photo=photo,
            signature=photos[1] if len(photos) > 1 else None,
            initials=payload.initials,
            note=payload.note,
        )
    route = substation = None
    if payload.route_code:
        route = scoped(Route, user).filter(code=payload.route_code).first()
        if route is None:
            raise InvalidInput("route_code", _("RBM tidak ditemukan di unit Anda."))
    if payload.substation_code:
        substation = scoped(Substation, user).filter(code=payload.substation_code).first()
        if substation is None:
            raise InvalidInput("substation_code", _("Gardu tidak ditemukan."))
    return fieldwork.record_survey(
        actor=user,
        order=order,
        route=route,
        substation=substation,
        sequence=payload.sequence,
        note=payload.note,
        latitude=payload.latitude,
        longitude=payload.longitude,
    )


@router.post(
    "/field-orders/{order_id}/outcome",
    response={201: s.OrderOutcomeOut, 200: s.OrderOutcomeOut, **ERRORS, 409: s.ConflictOut},
    tags=["pekerjaan"],
)
def field_order_outcome(request, order_id: int, payload: s.OrderOutcomeIn):
    """The outcome of a fieldwork order from the work list (done with its values, or failed
    with a reason). ``version`` is the item's ``version``: a changed order answers 409."""
    from meterops.fieldwork.models import FieldOrder

    user = request.user
    if not 1 <= order_id <= s.MAX_ID:
        raise Http404

    def write():
        order = get_object_or_404(scoped(FieldOrder, user), pk=order_id, assigned_to=user)
        if changed_since(order, payload.version) and not _cut_before_withdrawal(order, payload):
            return conflict(order, payload, reference=order.reference)
        files = (
            services.photos_for_write(user=user, ids=payload.photo_ids)
            if (payload.photo_ids)
            else []
        )
        try:
            order = _record_order(user, order, payload, files)
        finally:
            services.close_files(files)
        services.mark_photos_used(payload.photo_ids)
        return 201, {
            "id": order.pk,
            "reference": order.reference,
            "kind": order.kind,
            "state": order.state,
            "state_label": str(order.get_state_display()),
        }

    return write_once(
        user=user,
        payload=payload,
        operation="field_order_outcome",
        subject=f"order {order_id}",
        write=write,
    )
