"""Arrears enforcement (seed 004 §VI and its notes): TUL VI-01 and disconnection from 2
lembar, the payment check before cutting, reconnection by H+1, bongkar rampung after 60
days, and the arrears upload from the billing system. Rules first, then the services.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from meterops.core.choices import Domain
from meterops.core.errors import NotFound, WrongState
from meterops.core.models import ProcessEvent, Unit, User
from meterops.core.scoping import scoped
from meterops.core.services import record_event, require_role
from meterops.customers.choices import PaymentMode
from meterops.customers.models import Customer

from ..choices import OPEN_STATES, OrderKind
from ..errors import AlreadyPaid, BatchRejected
from ..models import Arrears, FieldOrder
from .orders import (
    ARREARS_UPLOADERS,
    ISSUERS,
    _check_recorder,
    _complete,
    _event,
    _events_for,
    _issue,
    _locked,
    _photo,
    _require_photo,
    _zone,
)

DISCONNECTION_NOTICE_BILLS = 2  # seed 004 §VI notes: tunggakan >= 2 lembar
DISMANTLING_BILLS = 3  # >= 3 lembar ...
DISMANTLING_DAYS = 60  # ... 60 hari sejak tanggal pemutusan sementara


def arrears_refusal_for(payment_mode: str) -> str | None:
    """Why a customer cannot be in penekanan tunggakan (seed 004 §VI: unpaid postpaid bills):
    a prepaid customer buys before using and has no bill to be in arrears with."""
    if payment_mode == PaymentMode.PREPAID:
        return _(
            "pelanggan prabayar tidak mempunyai rekening tunggakan: penekanan tunggakan "
            "(TUL VI-01, pemutusan) hanya untuk pelanggan pascabayar"
        )
    return None


def needs_disconnection_notice(bills: int) -> bool:
    """Customers with 2 or more unpaid bills get TUL VI-01 and a disconnection order (§VI)."""
    return bills >= DISCONNECTION_NOTICE_BILLS


def is_paid_at(*, paid_at: datetime | None, moment: datetime) -> bool:
    """The payment check before a disconnection (§VI): paid at or before ``moment`` counts."""
    return paid_at is not None and paid_at <= moment


def reconnection_due(*, paid_at: datetime, zone: str) -> datetime:
    """Penyambungan kembali maximum pada H+1: the end of the day after payment, local time.

    Returned as the first instant of H+2 in the unit's zone (an order due then is overdue).
    """
    tz = ZoneInfo(zone)
    local_day = paid_at.astimezone(tz).date()
    return datetime.combine(local_day + timedelta(days=2), time.min, tzinfo=tz)


def dismantling_eligible(
    *,
    bills: int,
    disconnected_at: datetime | None,
    reconnected_at: datetime | None,
    today: date,
    zone: str,
) -> bool:
    """Bongkar rampung: >= 3 lembar and 60 days since the temporary disconnection (§VI notes)."""
    if bills < DISMANTLING_BILLS or disconnected_at is None:
        return False
    if reconnected_at is not None and reconnected_at >= disconnected_at:
        return False
    disconnected_on = disconnected_at.astimezone(ZoneInfo(zone)).date()
    return (today - disconnected_on).days >= DISMANTLING_DAYS


def _issue_for_arrears(*, actor: User, arrears: QuerySet, kind: str, note: str) -> int:
    """One order of ``kind`` per arrears row (linked to it), set-based like ``_issue``."""
    open_ids = FieldOrder.objects.filter(
        customer__in=arrears.values("customer_id"), kind=kind, state__in=OPEN_STATES
    ).values("customer_id")
    rows = list(
        arrears.exclude(customer_id__in=open_ids).values_list("pk", "customer_id", "unit_id")
    )
    if not rows:
        return 0
    now = timezone.now()
    FieldOrder.objects.bulk_create(
        [
            FieldOrder(
                customer_id=c, unit_id=u, kind=kind, issued_by=actor, issued_at=now, arrears_id=a
            )
            for a, c, u in rows
        ],
        batch_size=2000,
    )
    _events_for(
        FieldOrder.objects.filter(kind=kind, issued_at=now, issued_by=actor),
        actor,
        "order_issued",
        note,
    )
    return len(rows)


@dataclass(frozen=True)
class ArrearsRow:
    row: int
    customer_id: str
    bills: int
    amount: Decimal


@transaction.atomic
def apply_arrears_batch(*, actor: User, rows: list[ArrearsRow]) -> dict:
    """Tunggakan from the billing system (AP2T): one upload replaces each listed customer's
    arrears, set-based. A customer whose bills drop to 0 is recorded as paid now (and gets its
    reconnection order when it was disconnected). Any bad row rejects the whole batch."""
    require_role(actor, ARREARS_UPLOADERS)
    errors, seen = [], set()
    for r in rows:
        if r.customer_id in seen:
            errors.append(_("Baris %(n)d: IDPEL %(id)s ganda.") % {"n": r.row, "id": r.customer_id})
        seen.add(r.customer_id)
        if r.bills < 0 or r.amount < 0:
            errors.append(_("Baris %(n)d: lembar/jumlah tidak boleh negatif.") % {"n": r.row})
    found = scoped(Customer, actor).filter(customer_id__in=seen)
    customers = dict(found.values_list("customer_id", "pk"))
    modes = dict(found.values_list("customer_id", "payment_mode"))
    for r in rows:
        if r.customer_id not in customers:
            errors.append(
                _("Baris %(n)d: IDPEL %(id)s tidak ditemukan di unit Anda.")
                % {"n": r.row, "id": r.customer_id}
            )
        elif reason := arrears_refusal_for(modes[r.customer_id]):
            errors.append(
                _("Baris %(n)d: IDPEL %(id)s %(reason)s.")
                % {"n": r.row, "id": r.customer_id, "reason": reason}
            )
    if errors:
        raise BatchRejected(" ".join(errors[:20]), errors=errors)
    return write_arrears_rows(
        actor=actor, rows={customers[r.customer_id]: (r.bills, r.amount) for r in rows}
    )


def write_arrears_rows(*, actor: User, rows: dict[int, tuple[int, Decimal]]) -> dict:
    """Write checked arrears (customer pk -> (lembar, jumlah)) set-based: one bulk INSERT for
    new rows, one bulk UPDATE for changed ones; payments (lembar back to 0) are recorded.
    Called inside a transaction by apply_arrears_batch and by the Upload pipeline's apply."""
    now = timezone.now()
    existing = {
        a.customer_id: a for a in Arrears.objects.select_for_update().filter(customer_id__in=rows)
    }
    units = dict(Customer.objects.filter(pk__in=rows).values_list("pk", "unit_id"))
    new, changed, paid = [], [], []
    for pk, (bills, amount) in rows.items():
        a = existing.get(pk)
        if a is None:
            if bills:
                new.append(
                    Arrears(
                        customer_id=pk,
                        unit_id=units[pk],
                        bills=bills,
                        amount=amount,
                        reported_at=now,
                    )
                )
            continue
        if a.bills and not bills and a.paid_at is None:
            paid.append(pk)
        elif bills and a.paid_at is not None and not a.bills:
            a.paid_at = None  # new arrears after an earlier payment
        a.bills, a.amount, a.reported_at = bills, amount, now
        changed.append(a)
    Arrears.objects.bulk_create(new, batch_size=2000)
    Arrears.objects.bulk_update(
        changed, ["bills", "amount", "reported_at", "paid_at"], batch_size=2000
    )
    for customer in Customer.objects.filter(pk__in=paid):
        record_payment(actor=actor, customer=customer, paid_at=now, _checked=True)
    return {"created": len(new), "updated": len(changed), "paid": len(paid)}


@transaction.atomic
def mark_disconnection_notices_printed(*, actor: User, arrears: QuerySet) -> list[Arrears]:
    """TUL VI-01 for customers with 2 or more lembar; the print date is kept."""
    require_role(actor, ISSUERS)
    chosen = list(
        scoped(arrears, actor)
        .select_related("customer", "unit")
        .filter(paid_at__isnull=True, bills__gte=DISCONNECTION_NOTICE_BILLS)
    )
    refused = (
        scoped(arrears, actor)
        .filter(Q(bills__lt=DISCONNECTION_NOTICE_BILLS) | Q(paid_at__isnull=False))
        .select_related("customer")
    )
    refused = [a for a in refused if not needs_disconnection_notice(a.bills) or a.paid_at]
    _refuse_prepaid(chosen)
    if refused:
        raise WrongState(
            _("TUL VI-01 hanya untuk tunggakan 2 lembar atau lebih yang belum lunas: %(ids)s.")
            % {"ids": ", ".join(a.customer.customer_id for a in refused[:10])}
        )
    now = timezone.now()
    Arrears.objects.filter(pk__in=[a.pk for a in chosen]).update(notice_printed_at=now)
    ProcessEvent.objects.bulk_create(
        [
            ProcessEvent(
                customer_id=a.customer_id,
                unit_id=a.unit_id,
                domain=Domain.FIELDWORK,
                verb="fieldwork.tul_vi01_printed",
                actor=actor,
                at=now,
                note=_("TUL VI-01, %(n)d lembar") % {"n": a.bills},
            )
            for a in chosen
        ],
        batch_size=2000,
    )
    for a in chosen:
        a.notice_printed_at = now
    return chosen


def _refuse_prepaid(arrears) -> None:
    """Arrears recorded before the rule held (or by hand) still get no notice and no order."""
    for row in arrears:
        if reason := arrears_refusal_for(row.customer.payment_mode):
            raise WrongState(
                _("IDPEL %(id)s: %(reason)s.") % {"id": row.customer.customer_id, "reason": reason}
            )


@transaction.atomic
def issue_disconnection_orders(*, actor: User, arrears: QuerySet) -> int:
    """Order pemutusan sementara to the contractor for customers with >= 2 lembar (§VI)."""
    require_role(actor, ISSUERS)
    arrears = scoped(arrears, actor)
    low = [
        a.customer.customer_id
        for a in arrears.select_related("customer")
        if not needs_disconnection_notice(a.bills) or a.paid_at
    ]
    if low:
        raise WrongState(
            _("Tidak bisa diputus (kurang dari 2 lembar atau sudah lunas): %(ids)s.")
            % {"ids": ", ".join(low[:10])}
        )
    _refuse_prepaid(arrears.select_related("customer"))
    return _issue_for_arrears(
        actor=actor,
        arrears=arrears.filter(disconnected_at__isnull=True),
        kind=OrderKind.DISCONNECTION,
        note=str(OrderKind.DISCONNECTION.label),
    )


@transaction.atomic
def record_disconnection(
    *, actor: User, order: FieldOrder, register_kwh: Decimal, photo, at: datetime | None = None
) -> FieldOrder:
    """Pemutusan sementara: the payment state is checked at this moment, inside the same
    transaction as the recording; a customer who has paid is refused (seed 004 §VI)."""
    order = _locked(order, actor, OrderKind.DISCONNECTION)
    _check_recorder(actor, order)
    _require_photo(photo)
    moment = min(at or timezone.now(), timezone.now())
    arrears = Arrears.objects.select_for_update().get(pk=order.arrears_id)
    if is_paid_at(paid_at=arrears.paid_at, moment=moment):
        raise AlreadyPaid(
            _(
                "Pelanggan %(id)s sudah melunasi tunggakan pada %(at)s: "
                "pemutusan tidak boleh dilakukan."
            )
            % {
                "id": order.customer.customer_id,
                "at": timezone.localtime(arrears.paid_at, ZoneInfo(_zone(order.unit))).strftime(
                    "%d-%m-%Y %H:%M:%S"
                ),
            }
        )
    order.register_kwh = register_kwh
    order.photo = _photo(photo, order.unit)
    _complete(order, actor, moment, "disconnected")
    arrears.disconnected_at, arrears.reconnected_at = moment, None
    arrears.save(update_fields=["disconnected_at", "reconnected_at", "updated_at"])
    return order


@transaction.atomic
def record_payment(
    *, actor: User, customer: Customer, paid_at: datetime | None = None, _checked: bool = False
) -> Arrears:
    """Pelunasan reported by billing: a disconnected customer gets a reconnection order at
    once, due by the end of the next day (H+1) in the unit's time zone (seed 004 §VI)."""
    if not _checked:
        require_role(actor, ARREARS_UPLOADERS)
        if not scoped(Customer, actor).filter(pk=customer.pk).exists():
            raise NotFound(_("Pelanggan tidak ditemukan di unit Anda."))
    arrears = Arrears.objects.select_for_update().filter(customer=customer).first()
    if arrears is None or arrears.paid_at is not None:
        raise WrongState(
            _("Pelanggan %(id)s tidak punya tunggakan terbuka.") % {"id": customer.customer_id}
        )
    paid_at = paid_at or timezone.now()
    arrears.paid_at, arrears.bills = paid_at, 0
    arrears.save(update_fields=["paid_at", "bills", "updated_at"])
    record_event(
        customer=customer,
        domain=Domain.FIELDWORK,
        verb="fieldwork.paid",
        actor=actor,
        note=_("Pelunasan tunggakan"),
    )
    # An open disconnection order is no longer to be done.
    for order in FieldOrder.objects.select_for_update().filter(
        arrears=arrears, kind=OrderKind.DISCONNECTION, state__in=OPEN_STATES
    ):
        from_state = order.state
        order.fail(by=actor, reason=str(_("Sudah lunas sebelum pemutusan")))
        order.save()
        _event(order, actor, "order_failed", from_state, order.note)
    if arrears.disconnected_at and arrears.disconnected_at < paid_at:
        unit = Unit.objects.get(pk=arrears.unit_id)
        _issue(
            actor=actor,
            customers=Customer.objects.filter(pk=customer.pk),
            kind=OrderKind.RECONNECTION,
            verb="order_issued",
            note=str(OrderKind.RECONNECTION.label),
            arrears=arrears,
            due_at=reconnection_due(paid_at=paid_at, zone=_zone(unit)),
        )
    return arrears


@transaction.atomic
def record_reconnection(
    *, actor: User, order: FieldOrder, register_kwh: Decimal, photo
) -> FieldOrder:
    """Penyambungan kembali: register value and photo of the reconnected meter (§VI)."""
    order = _locked(order, actor, OrderKind.RECONNECTION)
    _check_recorder(actor, order)
    _require_photo(photo)
    order.register_kwh = register_kwh
    order.photo = _photo(photo, order.unit)
    now = timezone.now()
    _complete(
        order,
        actor,
        now,
        "reconnected",
        _("Terlambat dari H+1") if order.due_at and now >= order.due_at else "",
    )
    Arrears.objects.filter(pk=order.arrears_id).update(reconnected_at=now, updated_at=now)
    return order


def dismantling_candidates(arrears: QuerySet, *, today: date, zone: str) -> list[Arrears]:
    """The arrears eligible for bongkar rampung today (a cheap pre-filter, then the rule)."""
    # Eligible means cut before the local start of (today - 59 days), which is before
    # now - 59 days in any zone: a safe pre-filter in SQL, the rule decides.
    latest = timezone.now() - timedelta(days=DISMANTLING_DAYS - 1)
    rows = arrears.filter(
        bills__gte=DISMANTLING_BILLS, disconnected_at__lte=latest, paid_at__isnull=True
    ).select_related("customer")
    return [
        a
        for a in rows
        if dismantling_eligible(
            bills=a.bills,
            disconnected_at=a.disconnected_at,
            reconnected_at=a.reconnected_at,
            today=today,
            zone=zone,
        )
    ]


@transaction.atomic
def issue_dismantling_orders(*, actor: User, arrears: QuerySet) -> int:
    """Order bongkar rampung for customers >= 3 lembar, 60 days after disconnection."""
    require_role(actor, ISSUERS)
    arrears = scoped(arrears, actor)
    for a in arrears.select_related("customer", "unit"):
        zone = _zone(a.unit)
        today = timezone.localtime(timezone.now(), ZoneInfo(zone)).date()
        if not dismantling_eligible(
            bills=a.bills,
            disconnected_at=a.disconnected_at,
            reconnected_at=a.reconnected_at,
            today=today,
            zone=zone,
        ):
            raise WrongState(
                _(
                    "Pelanggan %(id)s belum memenuhi syarat bongkar rampung "
                    "(>= 3 lembar dan 60 hari sejak pemutusan)."
                )
                % {"id": a.customer.customer_id}
            )
    return _issue_for_arrears(
        actor=actor,
        arrears=arrears,
        kind=OrderKind.DISMANTLING,
        note=str(OrderKind.DISMANTLING.label),
    )


@transaction.atomic
def record_dismantling(
    *, actor: User, order: FieldOrder, register_kwh: Decimal, photo
) -> FieldOrder:
    """Bongkar rampung done: the final register value and a photo."""
    order = _locked(order, actor, OrderKind.DISMANTLING)
    _check_recorder(actor, order)
    _require_photo(photo)
    order.register_kwh = register_kwh
    order.photo = _photo(photo, order.unit)
    _complete(order, actor, timezone.now(), "dismantled")
    return order
