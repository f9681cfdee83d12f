"""The order state machine of the supervision of contractors' field work (seed 004,
"Pengawasan Baca Meter").

Every order of any kind goes through FieldOrder's one state machine (issued → assigned →
done/failed → verified): issuing (``_issue``), assignment, completion, failure and verification
live here, with the role sets and the shared checks. Each section of the seed has its rules in a
module beside this one in this package, one named function each:

- ``audits``: reading audits, schedule consistency, accuracy (§I)
- ``prepaid_sampling``: prepaid sampling, anomaly → replacement target (§III)
- ``routes``: route/substation mismatches, surveys, move proposals (§IV)
- ``notices``: campaigns (§V), closed houses for TUL II-04 (§II)
- ``arrears``: TUL VI-01, disconnection, payment, reconnection H+1, bongkar rampung (§VI)

Every write that matters is one atomic service with an audit event on the customer's timeline
(Cek Status Terakhir).
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from meterops.core.choices import Domain, RoleCode
from meterops.core.errors import InvalidInput, NotAllowed, NotFound, WrongState
from meterops.core.models import ProcessEvent, Unit, User, unit_time_zone
from meterops.core.scoping import scoped
from meterops.core.services import ensure_field_officer_for, record_event, require_role
from meterops.reading.models import Reading

from ..choices import OPEN_STATES, OrderKind, OrderState
from ..models import AuditSample, FieldOrder

ISSUERS = (RoleCode.ADMIN, RoleCode.UNIT_ADMIN, RoleCode.SUPERVISOR)
ASSIGNERS = (*ISSUERS, RoleCode.CONTRACTOR_ADMIN)
RECORDERS = (RoleCode.ADMIN, RoleCode.SUPERVISOR, RoleCode.FIELD_OFFICER, RoleCode.CONTRACTOR_ADMIN)
VERIFIERS = ISSUERS
ARREARS_UPLOADERS = (*ISSUERS, RoleCode.HELPDESK)


# --- Helpers ------------------------------------------------------------------------------


def _locked(order: FieldOrder, actor: User, *kinds: str) -> FieldOrder:
    locked = (
        scoped(FieldOrder, actor)
        .select_for_update(of=("self",))
        .select_related("customer")
        .filter(pk=order.pk)
        .first()
    )
    if locked is None:
        raise NotFound(_("Order tidak ditemukan di unit Anda."))
    if kinds and locked.kind not in kinds:
        raise NotFound(
            _("Order %(ref)s bukan order %(kind)s.")
            % {"ref": locked.reference, "kind": OrderKind(kinds[0]).label}
        )
    return locked


def _refuse_stale(order: FieldOrder, action: str) -> None:
    raise WrongState(
        _("%(ref)s tidak bisa %(action)s: statusnya sekarang %(state)s.")
        % {"ref": order.reference, "action": action, "state": order.get_state_display()}
    )


def _event(order: FieldOrder, actor: User, verb: str, from_state: str, note: str = "") -> None:
    record_event(
        customer=order.customer,
        domain=Domain.FIELDWORK,
        verb=f"fieldwork.{verb}",
        from_state=from_state,
        to_state=order.state,
        actor=actor,
        note=note or f"{order.get_kind_display()} {order.reference}",
    )


def _events_for(orders: QuerySet, actor: User, verb: str, note: str) -> None:
    """One audit event per order, written by one INSERT (set-based issuing)."""
    now = timezone.now()
    ProcessEvent.objects.bulk_create(
        [
            ProcessEvent(
                customer_id=c,
                unit_id=u,
                domain=Domain.FIELDWORK,
                verb=f"fieldwork.{verb}",
                to_state=s,
                actor=actor,
                at=now,
                note=f"{note} OL-{pk:07d}",
            )
            for pk, c, u, s in orders.values_list("pk", "customer_id", "unit_id", "state")
        ],
        batch_size=2000,
    )


def _photo(upload, unit: Unit, field: str = "photo") -> ContentFile:
    """Check a photo (JPEG/PNG, bytes, pixels) the way HOME does and return the stored copy."""
    from meterops.replacement.photos import kept_photo

    return kept_photo(upload, unit=unit, field=field)


def _require_photo(photo) -> None:
    if photo is None:
        raise InvalidInput("photo", _("Foto wajib dilampirkan."))


def _issue(
    *, actor: User, customers: QuerySet, kind: str, verb: str, note: str, due_at=None, **links
) -> int:
    """Issue one order of ``kind`` per customer, skipping customers with one still open."""
    open_ids = FieldOrder.objects.filter(
        customer__in=customers.values("pk"), kind=kind, state__in=OPEN_STATES
    ).values("customer_id")
    rows = list(customers.exclude(pk__in=open_ids).values_list("pk", "unit_id"))
    if not rows:
        return 0
    now = timezone.now()
    created = FieldOrder.objects.bulk_create(
        [
            FieldOrder(
                customer_id=c,
                unit_id=u,
                kind=kind,
                issued_by=actor,
                issued_at=now,
                due_at=due_at,
                **links,
            )
            for c, u in rows
        ],
        batch_size=2000,
    )
    _events_for(
        FieldOrder.objects.filter(kind=kind, issued_at=now, issued_by=actor), actor, verb, note
    )
    return len(created)


# --- The one state machine: assignment, failure, verification -----------------------------


def ensure_visit_day(*, order: FieldOrder, day: date) -> None:
    """A visit is planned for today or later and not past the order's deadline, in the unit's
    local days (seed 004 §IV, "Penyusunan jadwal pelaksanaan")."""
    zone = ZoneInfo(unit_time_zone(order.unit_id))
    if day < timezone.localdate(timezone.now(), zone):
        raise InvalidInput(
            "planned_on",
            _("Tanggal kunjungan %(day)s sudah lewat.") % {"day": f"{day:%d-%m-%Y}"},
        )
    if order.due_at is not None and day > timezone.localdate(order.due_at, zone):
        raise InvalidInput(
            "planned_on",
            _("Tanggal kunjungan %(day)s melewati batas waktu %(ref)s (%(due)s).")
            % {
                "day": f"{day:%d-%m-%Y}",
                "ref": order.reference,
                "due": f"{timezone.localtime(order.due_at, zone):%d-%m-%Y %H:%M}",
            },
        )


@transaction.atomic
def assign_orders(
    *, actor: User, orders: QuerySet, officer: User, planned_on: date | None = None
) -> int:
    """Distribute orders to a field officer (the contractor's admin or PLN's supervisor),
    with the day of the visit when it is planned (seed 004 §IV)."""
    require_role(actor, ASSIGNERS)
    if not officer.has_role(RoleCode.FIELD_OFFICER):
        raise InvalidInput("officer", _("%(u)s bukan petugas lapangan.") % {"u": officer})
    count = 0
    name = officer.get_full_name() or officer.username
    for order in (
        scoped(orders, actor).select_for_update(of=("self",)).select_related("customer", "unit")
    ):
        ensure_field_officer_for(order.unit, officer, actor=actor)
        if not can_proceed(order.assign):
            _refuse_stale(order, _("ditugaskan"))
        note = _("Ditugaskan ke %(u)s") % {"u": name}
        if planned_on is not None:
            ensure_visit_day(order=order, day=planned_on)
            order.planned_on = planned_on
            note += _(", kunjungan %(day)s") % {"day": f"{planned_on:%d-%m-%Y}"}
        from_state = order.state
        order.assign(officer=officer)
        order.save()
        _event(order, actor, "order_assigned", from_state, note=note)
        count += 1
    return count


def _check_recorder(actor: User, order: FieldOrder) -> None:
    require_role(actor, RECORDERS)
    if (
        actor.has_role(RoleCode.FIELD_OFFICER)
        and not actor.is_superuser
        and order.assigned_to_id not in (None, actor.pk)
        and not actor.has_role(RoleCode.SUPERVISOR, RoleCode.CONTRACTOR_ADMIN)
    ):
        raise NotAllowed(_("Order %(ref)s ditugaskan ke petugas lain.") % {"ref": order.reference})


def _complete(order: FieldOrder, actor: User, at: datetime, verb: str, note: str = "") -> None:
    if not can_proceed(order.complete):
        _refuse_stale(order, _("dicatat selesai"))
    from_state = order.state
    order.complete(by=actor, at=at)
    order.full_clean(exclude=["photo", "signature", "state"])
    order.save()
    _event(order, actor, verb, from_state, note)


@transaction.atomic
def fail_order(*, actor: User, order: FieldOrder, reason: str) -> FieldOrder:
    """The officer could not do the order (address not found, refused...), with the reason."""
    order = _locked(order, actor)
    _check_recorder(actor, order)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason", _("Isi alasan order gagal."))
    if not can_proceed(order.fail):
        _refuse_stale(order, _("dicatat gagal"))
    from_state = order.state
    order.fail(by=actor, reason=reason)
    order.save()
    _event(order, actor, "order_failed", from_state, reason)
    return order


@transaction.atomic
def verify_order(*, actor: User, order: FieldOrder) -> FieldOrder:
    """The supervisor accepts the officer's result; an inaccurate re-check sends the reading
    back to the reading domain's correction flow (baca ulang), seed 004 §I."""
    require_role(actor, VERIFIERS)
    order = _locked(order, actor)
    if not can_proceed(order.verify):
        _refuse_stale(order, _("diverifikasi"))
    from_state = order.state
    order.verify(by=actor)
    order.save()
    _event(order, actor, "order_verified", from_state)
    if (
        order.kind == OrderKind.ACCURACY_CHECK
        and from_state == OrderState.DONE
        and order.sample_id
        and order.sample.accurate is False
    ):
        send_inaccurate_reading_to_correction(actor=actor, sample=order.sample)
    return order


def send_inaccurate_reading_to_correction(*, actor: User, sample: AuditSample) -> int:
    """Hand an inaccurate reading to the reading domain's own re-read service (issue 7)."""
    from meterops.reading import services as reading_services

    reason = _("Audit akurasi: stan vendor %(read)s, cek ulang %(checked)s kWh") % {
        "read": sample.register_kwh,
        "checked": sample.checked_kwh,
    }
    return reading_services.request_rereads(
        actor=actor, readings=Reading.objects.filter(pk=sample.reading_id), reason=reason
    )
