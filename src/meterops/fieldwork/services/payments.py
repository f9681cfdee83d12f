"""Payments of arrears as the billing/payment side reports them (seed 004 §VI: "pengecekan
data pelunasan (Via PPOB/HP smartphone)"): a payment notification settles the arrears at once
with the real payment time, the Tunggakan upload replaces each listed customer's arrears, and
a disconnected customer who paid gets a reconnection order due by H+1 from the payment."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meterops.core.choices import Domain, RoleCode
from meterops.core.errors import InvalidInput, NotFound, WrongState
from meterops.core.models import User
from meterops.core.scoping import scoped
from meterops.core.services import record_event, require_role
from meterops.customers.models import Customer

from ..choices import OPEN_STATES, OrderKind
from ..errors import BatchRejected, PaymentReferenceClash
from ..models import Arrears, FieldOrder, Payment
from .arrears import arrears_refusal_for, is_still_cut, order_reconnection
from .orders import ARREARS_UPLOADERS, _event

FUTURE_SLACK = timedelta(minutes=5)  # clocks of the payment side drift a little


def payment_time_refusal(paid_at: datetime, *, now: datetime | None = None) -> str | None:
    """A payment time must be a real past moment: a time in the future would let a customer
    be marked paid before paying (and skew H+1)."""
    if paid_at > (now or timezone.now()) + FUTURE_SLACK:
        return _("waktu bayar tidak boleh di masa depan")
    return None


@dataclass(frozen=True)
class ArrearsRow:
    row: int
    customer_id: str
    bills: int
    amount: Decimal
    paid_at: datetime | None = None


@transaction.atomic
def apply_arrears_batch(*, actor: User, rows: list[ArrearsRow]) -> dict:
    """Tunggakan from the billing system (AP2T): one upload replaces each listed customer's
    arrears, set-based. A customer whose bills drop to 0 is recorded as paid at the row's
    payment time (or now) and gets its reconnection order when it was disconnected. Any bad
    row rejects the whole batch."""
    require_role(actor, ARREARS_UPLOADERS)
    errors, seen = [], set()
    for r in rows:
        if r.customer_id in seen:
            errors.append(_("Baris %(n)d: IDPEL %(id)s ganda.") % {"n": r.row, "id": r.customer_id})
        seen.add(r.customer_id)
        if r.bills < 0 or r.amount < 0:
            errors.append(_("Baris %(n)d: lembar/jumlah tidak boleh negatif.") % {"n": r.row})
        if r.paid_at is not None:
            if r.bills:
                errors.append(
                    _("Baris %(n)d: TGL_LUNAS hanya untuk LEMBAR 0 (lunas).") % {"n": r.row}
                )
            elif reason := payment_time_refusal(r.paid_at):
                errors.append(_("Baris %(n)d: TGL_LUNAS %(r)s.") % {"n": r.row, "r": reason})
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
        actor=actor,
        rows={customers[r.customer_id]: (r.bills, r.amount, r.paid_at) for r in rows},
    )


def write_arrears_rows(
    *, actor: User, rows: dict[int, tuple[int, Decimal, datetime | None]]
) -> dict:
    """Write checked arrears (customer pk -> (lembar, jumlah, waktu lunas)) set-based: one bulk
    INSERT for new rows, one bulk UPDATE for changed ones; payments (lembar back to 0) are
    recorded at their payment time. Called inside a transaction by apply_arrears_batch and by
    the Upload pipeline's apply."""
    now = timezone.now()
    existing = {
        a.customer_id: a for a in Arrears.objects.select_for_update().filter(customer_id__in=rows)
    }
    units = dict(Customer.objects.filter(pk__in=rows).values_list("pk", "unit_id"))
    new, changed, paid = [], [], {}
    for pk, (bills, amount, paid_at) in rows.items():
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
            paid[pk] = paid_at or now
        elif bills and a.paid_at is not None and not a.bills:
            # New arrears after an earlier payment: a new notice must be signed and printed,
            # and a meter reconnected since its cut may be cut again (the orders keep the
            # earlier cut; the row holds the cycle under way).
            a.paid_at, a.notice_printed_at, a.notice_signer = None, None, None
            if a.disconnected_at and not is_still_cut(
                disconnected_at=a.disconnected_at, reconnected_at=a.reconnected_at
            ):
                a.disconnected_at, a.reconnected_at = None, None
        a.bills, a.amount, a.reported_at = bills, amount, now
        changed.append(a)
    Arrears.objects.bulk_create(new, batch_size=2000)
    Arrears.objects.bulk_update(
        changed,
        [
            "bills",
            "amount",
            "reported_at",
            "paid_at",
            "notice_printed_at",
            "notice_signer",
            "disconnected_at",
            "reconnected_at",
        ],
        batch_size=2000,
    )
    for customer in Customer.objects.filter(pk__in=paid):
        settle_arrears(actor=actor, customer=customer, paid_at=paid[customer.pk])
    return {"created": len(new), "updated": len(changed), "paid": len(paid)}


@transaction.atomic
def record_payment(*, actor: User, customer: Customer, paid_at: datetime | None = None) -> Arrears:
    """Pelunasan entered by unit staff (Catat Lunas), at the payment time they give or now."""
    require_role(actor, ARREARS_UPLOADERS)
    if not scoped(Customer, actor).filter(pk=customer.pk).exists():
        raise NotFound(_("Pelanggan tidak ditemukan di unit Anda."))
    paid_at = paid_at or timezone.now()
    if reason := payment_time_refusal(paid_at):
        raise InvalidInput("paid_at", reason)
    arrears = settle_arrears(actor=actor, customer=customer, paid_at=paid_at)
    if arrears is None:
        raise WrongState(
            _("Pelanggan %(id)s tidak punya tunggakan terbuka.") % {"id": customer.customer_id}
        )
    return arrears


def settle_arrears(*, actor: User, customer: Customer, paid_at: datetime) -> Arrears | None:
    """Pelunasan (seed 004 §VI): the arrears are settled at the real payment time, open
    disconnection orders are withdrawn, and a disconnected customer gets a reconnection order
    due by the end of H+1 after the payment in the unit's zone. ``None``: nothing was open."""
    arrears = (
        Arrears.objects.select_for_update(of=("self",))
        .select_related("unit")
        .filter(customer=customer)
        .first()
    )
    if arrears is None or arrears.paid_at is not None:
        return None
    arrears.paid_at, arrears.bills = paid_at, 0
    arrears.save(update_fields=["paid_at", "bills", "updated_at"])
    record_event(
        customer=customer,
        domain=Domain.FIELDWORK,
        verb="fieldwork.paid",
        actor=actor,
        note=_("Pelunasan tunggakan"),
    )
    for order in FieldOrder.objects.select_for_update(of=("self",)).filter(
        arrears=arrears, kind=OrderKind.DISCONNECTION, state__in=OPEN_STATES
    ):
        from_state = order.state
        order.fail(by=actor, reason=str(_("Sudah lunas sebelum pemutusan")))
        order.withdrawn_by_payment = True
        order.save()
        _event(order, actor, "order_failed", from_state, order.note)
    if is_still_cut(disconnected_at=arrears.disconnected_at, reconnected_at=arrears.reconnected_at):
        # Also when the cut came after the payment (the notification arrived late): the
        # customer paid, so the meter goes back on, counted from the payment.
        order_reconnection(actor=actor, arrears=arrears)
    return arrears


@dataclass(frozen=True)
class PaymentNotice:
    reference: str
    customer_id: str
    paid_at: datetime
    amount: Decimal | None = None
    channel: str = ""


@dataclass(frozen=True)
class PaymentRecorded:
    payment: Payment
    replayed: bool


# The billing/payment side's API account, besides the office roles that record payments.
PAYMENT_NOTIFIERS = (*ARREARS_UPLOADERS, RoleCode.BILLING_SYSTEM)


def notify_payment(*, actor: User, notice: PaymentNotice) -> PaymentRecorded:
    """A payment notification from the billing/payment side (seed 004 §VI: "pengecekan data
    pelunasan (Via PPOB/HP smartphone)"), idempotent by payment reference: the first one
    settles the arrears at the real payment time; the same notice again changes nothing; the
    same reference with other data is refused."""
    require_role(actor, PAYMENT_NOTIFIERS)
    reference = notice.reference.strip()
    if not reference:
        raise InvalidInput("reference", _("Referensi pembayaran wajib diisi."))
    if reason := payment_time_refusal(notice.paid_at):
        raise InvalidInput("paid_at", reason)
    customer = scoped(Customer, actor).filter(customer_id=notice.customer_id).first()
    if customer is None:
        raise NotFound(_("IDPEL %(id)s tidak ditemukan di unit Anda.") % {"id": notice.customer_id})
    if reason := arrears_refusal_for(customer.payment_mode):
        raise InvalidInput("customer_id", reason)
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                reference=reference,
                customer=customer,
                unit_id=customer.unit_id,
                paid_at=notice.paid_at,
                amount=notice.amount,
                channel=notice.channel.strip(),
                received_by=actor,
            )
            payment.settled = (
                settle_arrears(actor=actor, customer=customer, paid_at=notice.paid_at) is not None
            )
            payment.save(update_fields=["settled", "updated_at"])
            return PaymentRecorded(payment, replayed=False)
    except IntegrityError:
        pass  # the reference is known: a retry of the same notice, or a clash
    payment = Payment.objects.get(reference=reference)
    same = (
        payment.customer_id == customer.pk
        and payment.paid_at == notice.paid_at
        and payment.amount == notice.amount
    )
    if not same:
        raise PaymentReferenceClash(
            _("Referensi pembayaran %(ref)s sudah tercatat untuk pembayaran lain.")
            % {"ref": reference}
        )
    return PaymentRecorded(payment, replayed=True)


def open_reconnection_due(customer_pk: int) -> datetime | None:
    """The H+1 deadline of the customer's open reconnection order, if it has one."""
    return (
        FieldOrder.objects.filter(
            customer_id=customer_pk, kind=OrderKind.RECONNECTION, state__in=OPEN_STATES
        )
        .values_list("due_at", flat=True)
        .first()
    )
