"""Arrears enforcement in the field (seed 004 §VI and its notes): the signed TUL VI-01 and
disconnection from 2 lembar, how the meter is cut, reconnection and the reports by H+1,
bongkar rampung after 60 days, and which company answers for each customer. Rules first, then
the services. Payments and the arrears upload from the billing side are in ``payments``.
"""

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from meterops.core.choices import Domain
from meterops.core.errors import InvalidInput, WrongState
from meterops.core.models import ProcessEvent, User, unit_time_zone
from meterops.core.scoping import scoped
from meterops.core.services import require_role
from meterops.customers.choices import PaymentMode, RemovalReason
from meterops.customers.models import Customer
from meterops.customers.services import remove_meter

from ..choices import OPEN_STATES, DisconnectionMethod, OrderKind, OrderState
from ..errors import AlreadyPaid
from ..models import Arrears, FieldOrder, NoticeSigner
from .orders import (
    ISSUERS,
    _check_recorder,
    _complete,
    _event,
    _events_for,
    _issue,
    _locked,
    _photo,
    _require_photo,
)

DISCONNECTION_NOTICE_BILLS = 2  # seed 004 §VI notes: tunggakan >= 2 lembar
DISMANTLING_BILLS = 3  # >= 3 lembar ...
DISMANTLING_DAYS = 60  # ... 60 hari sejak tanggal pemutusan sementara
# "Melaporkan hasil pelaksanaan pemutusan dan penyambungan kembali max pada hari (H+1)"
REPORTED_BY_H_PLUS_1 = (OrderKind.DISCONNECTION, OrderKind.RECONNECTION)
SEAL_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9/-]{2,29}")


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


def end_of_next_day(moment: datetime, zone: str) -> datetime:
    """The end of H+1 for something that happened at ``moment``, in the unit's zone: returned
    as the first instant of H+2 (at or after it is late)."""
    tz = ZoneInfo(zone)
    local_day = moment.astimezone(tz).date()
    return datetime.combine(local_day + timedelta(days=2), time.min, tzinfo=tz)


def reconnection_due(*, paid_at: datetime, zone: str) -> datetime:
    """Penyambungan kembali maximum pada H+1 setelah pelunasan (seed 004 §VI), from the real
    payment time."""
    return end_of_next_day(paid_at, zone)


def report_is_late(*, done_at: datetime, reported_at: datetime, zone: str) -> bool:
    """ "Melaporkan hasil pelaksanaan pemutusan dan penyambungan kembali max pada hari (H+1)"
    (seed 004 §VI): a result that reaches the server after the end of H+1 is late."""
    return reported_at >= end_of_next_day(done_at, zone)


def disconnected_when_read_sql() -> str:
    """Issue #23, "Disconnection explains zero": the SQL condition over a reading ``r`` that
    its customer's meter was cut for arrears (pemutusan sementara, seed 004 §VI) and not yet
    reconnected when it was read: a cut at or before the reading time (for a reading without
    one, an estimate, any cut), and no reconnection after that cut and before the reading.

    Read from the field orders, every cut and reconnection an officer recorded, not from the
    arrears row, which keeps only the latest cut: an old period validated again after a later
    cycle of arrears still sees the cut it was read under. A cut is a disconnection recorded
    with its method (a failed order has none), a reconnection one recorded with its stan.
    EXISTS on the customer's orders (index customer, kind), so reading validation keeps it
    inside its one UPDATE per reading day; plain SQL for PostgreSQL and SQLite.
    """
    orders = FieldOrder._meta.db_table
    return (
        f"EXISTS (SELECT 1 FROM {orders} cut"  # noqa: S608 (the table and kinds are constants)
        f" WHERE cut.customer_id = r.customer_id AND cut.kind = '{OrderKind.DISCONNECTION.value}'"
        " AND cut.disconnection_method <> '' AND cut.done_at IS NOT NULL"
        " AND (r.read_at IS NULL OR cut.done_at <= r.read_at)"
        f" AND NOT EXISTS (SELECT 1 FROM {orders} back"
        f" WHERE back.customer_id = r.customer_id AND back.kind = '{OrderKind.RECONNECTION.value}'"
        " AND back.register_kwh IS NOT NULL AND back.done_at >= cut.done_at"
        " AND (r.read_at IS NULL OR back.done_at <= r.read_at)))"
    )


def disconnection_method_refusal(method: str) -> str | None:
    """ "Pemutusan sementara dengan membuka segel OA Kas dan memutus Lewat SR, tidak
    diperkenankan" (seed 004 §VI notes); the MCB is switched off and sealed instead."""
    if method == DisconnectionMethod.SR_CUT:
        return _(
            "Pemutusan sementara dengan membuka segel OA kas dan memutus lewat SR tidak "
            "diperkenankan: putus dengan meng-Off-kan sakelar MCB lalu segel."
        )
    if method != DisconnectionMethod.MCB_SEALED:
        return _("Pilih cara pemutusan.")
    return None


def vendor_answers() -> Q:
    """ "Pelanggan dengan tunggakan >= 2 lembar yang belum pernah dilakukan pemutusan sementara
    tetap menjadi tanggung jawab Perusahaan lain" (seed 004 §VI notes): the disconnection
    vendor answers for an unpaid customer of 2 lembar or more it has not cut yet (as a filter
    on arrears, so lists and reports count it in SQL)."""
    return Q(
        bills__gte=DISCONNECTION_NOTICE_BILLS, paid_at__isnull=True, disconnected_at__isnull=True
    )


def disconnection_refusal_for(arrears: Arrears) -> str | None:
    """Why a disconnection may not be ordered or recorded for ``arrears`` (seed 004 §VI): a
    prepaid customer, less than 2 lembar, already paid, or no signed TUL VI-01 printed."""
    if reason := arrears_refusal_for(arrears.customer.payment_mode):
        return reason
    if not needs_disconnection_notice(arrears.bills) or arrears.paid_at:
        return _("kurang dari 2 lembar atau sudah lunas")
    return signed_notice_refusal(arrears)


def signed_notice_refusal(arrears: Arrears) -> str | None:
    """ "Membawa Surat Pemberitahuan Pemutusan Sementara (TUL VI-01) yang telah ditandatangani"
    (seed 004 §VI): no disconnection without the signed notice printed."""
    if arrears.notice_printed_at is None or arrears.notice_signer_id is None:
        return _(
            "TUL VI-01 yang ditandatangani Manajer Unit atau pejabat yang ditunjuk belum dicetak"
        )
    return None


def unit_zones(unit_ids) -> dict[int, str]:
    """The time zone of each unit (its own or inherited settings), as the process keeps it."""
    return {pk: unit_time_zone(pk) for pk in set(unit_ids)}


def local_today(zone: str, now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), ZoneInfo(zone)).date()


def is_still_cut(*, disconnected_at: datetime | None, reconnected_at: datetime | None) -> bool:
    """The meter was cut for arrears (pemutusan sementara, seed 004 §VI) and not reconnected
    since that cut."""
    return disconnected_at is not None and not (
        reconnected_at is not None and reconnected_at >= disconnected_at
    )


def dismantling_eligible(
    *,
    bills: int,
    disconnected_at: datetime | None,
    reconnected_at: datetime | None,
    today: date,
    zone: str,
) -> bool:
    """Bongkar rampung: >= 3 lembar and 60 days since the temporary disconnection (§VI notes)."""
    if bills < DISMANTLING_BILLS or not is_still_cut(
        disconnected_at=disconnected_at, reconnected_at=reconnected_at
    ):
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


def _signer_for(actor: User, signer: NoticeSigner | None, units) -> NoticeSigner:
    """The chosen signer, active, reachable by ``actor``, and of the customers' unit or above."""
    if signer is None:
        raise InvalidInput(
            "signer", _("Pilih penanda tangan TUL VI-01 (Manajer Unit atau pejabat yang ditunjuk).")
        )
    signer = (
        NoticeSigner.objects.select_related("unit").filter(pk=signer.pk, is_active=True).first()
    )
    if signer is None:
        raise InvalidInput("signer", _("Penanda tangan itu sudah tidak aktif."))
    outside = sorted({u.name for u in units if not u.is_within(signer.unit)})
    if outside:
        raise InvalidInput(
            "signer",
            _("%(name)s bukan penanda tangan untuk %(units)s.")
            % {"name": signer.name, "units": ", ".join(outside)},
        )
    return signer


@transaction.atomic
def mark_disconnection_notices_printed(
    *, actor: User, arrears: QuerySet, signer: NoticeSigner | None
) -> list[Arrears]:
    """TUL VI-01 "ditandatangani Manajer Unit atau pejabat Yang Ditunjuk" (seed 004 §VI) for
    customers with 2 or more lembar: the print date and the signer are kept."""
    require_role(actor, ISSUERS)
    chosen = list(
        scoped(arrears, actor)
        .select_for_update(of=("self",))
        .select_related("customer", "unit")
        .order_by("customer__customer_id")
    )
    refused = [a for a in chosen if not needs_disconnection_notice(a.bills) or a.paid_at]
    if refused:
        raise WrongState(
            _("TUL VI-01 hanya untuk tunggakan 2 lembar atau lebih yang belum lunas: %(ids)s.")
            % {"ids": ", ".join(a.customer.customer_id for a in refused[:10])}
        )
    _refuse_prepaid(chosen)
    if not chosen:
        return []
    signer = _signer_for(actor, signer, {a.unit for a in chosen})
    now = timezone.now()
    Arrears.objects.filter(pk__in=[a.pk for a in chosen]).update(
        notice_printed_at=now, notice_signer=signer, updated_at=now
    )
    ProcessEvent.objects.bulk_create(
        [
            ProcessEvent(
                customer_id=a.customer_id,
                unit_id=a.unit_id,
                domain=Domain.FIELDWORK,
                verb="fieldwork.tul_vi01_printed",
                actor=actor,
                at=now,
                note=_("TUL VI-01, %(n)d lembar, ditandatangani %(signer)s")
                % {"n": a.bills, "signer": signer},
            )
            for a in chosen
        ],
        batch_size=2000,
    )
    for a in chosen:
        a.notice_printed_at, a.notice_signer = now, signer
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
    """Order pemutusan sementara to the contractor for customers with >= 2 lembar whose signed
    TUL VI-01 was printed (seed 004 §VI); a customer already cut gets no second order."""
    require_role(actor, ISSUERS)
    arrears = scoped(arrears, actor)
    refused = [
        (a.customer.customer_id, reason)
        for a in arrears.select_related("customer").order_by("customer__customer_id")
        if (reason := disconnection_refusal_for(a))
    ]
    if refused:
        raise WrongState(
            _("Order pemutusan tidak diterbitkan. %(rows)s.")
            % {"rows": "; ".join(f"{c}: {r}" for c, r in refused[:10])}
        )
    return _issue_for_arrears(
        actor=actor,
        arrears=arrears.filter(disconnected_at__isnull=True),
        kind=OrderKind.DISCONNECTION,
        note=str(OrderKind.DISCONNECTION.label),
    )


def _done_moment(order: FieldOrder, at: datetime | None) -> datetime:
    """When the officer did the work: the phone's time when it was recorded offline, never in
    the future and never before the order was issued."""
    now = timezone.now()
    moment = min(at or now, now)
    if moment < order.issued_at:
        raise InvalidInput(
            "done_at",
            _("Waktu pelaksanaan tidak boleh sebelum order %(ref)s terbit.")
            % {"ref": order.reference},
        )
    return moment


def _report(order: FieldOrder) -> str:
    """Stamp the H+1 reporting check on a just-recorded result; the note when it is late."""
    order.reported_at = timezone.now()
    late = report_is_late(
        done_at=order.done_at, reported_at=order.reported_at, zone=unit_time_zone(order.unit_id)
    )
    order.reported_late = late
    return str(_("Laporan terlambat dari H+1")) if late else ""


@transaction.atomic
def record_disconnection(
    *,
    actor: User,
    order: FieldOrder,
    register_kwh: Decimal,
    photo,
    method: str,
    seal_number: str,
    at: datetime | None = None,
) -> FieldOrder:
    """Pemutusan sementara "dengan cara meng Off kan sakelar MCB dan di segel" (seed 004 §VI):
    the method, the seal number, the register and the photo. The payment state is checked at
    the moment of cutting, inside the same transaction; a customer who paid is refused."""
    order = _locked(order, actor, OrderKind.DISCONNECTION)
    _check_recorder(actor, order)
    if reason := disconnection_method_refusal(method):
        raise InvalidInput("method", reason)
    seal_number = (seal_number or "").strip().upper()
    if not SEAL_NUMBER.fullmatch(seal_number):
        raise InvalidInput(
            "seal_number", _("Nomor segel wajib diisi: 3–30 huruf, angka atau tanda '-' dan '/'.")
        )
    _require_photo(photo)
    moment = _done_moment(order, at)
    arrears = (
        Arrears.objects.select_for_update(of=("self",))
        .select_related("customer", "unit")
        .get(pk=order.arrears_id)
    )
    if is_paid_at(paid_at=arrears.paid_at, moment=moment):
        raise AlreadyPaid(
            _(
                "Pelanggan %(id)s sudah melunasi tunggakan pada %(at)s: "
                "pemutusan tidak boleh dilakukan."
            )
            % {
                "id": order.customer.customer_id,
                "at": timezone.localtime(
                    arrears.paid_at, ZoneInfo(unit_time_zone(order.unit_id))
                ).strftime("%d-%m-%Y %H:%M:%S"),
            }
        )
    if reason := signed_notice_refusal(arrears):
        raise WrongState(
            _("IDPEL %(id)s: %(reason)s.") % {"id": order.customer.customer_id, "reason": reason}
        )
    order.register_kwh = register_kwh
    order.disconnection_method, order.seal_number = method, seal_number
    order.photo = _photo(photo, order.unit)
    order.done_at = moment
    if order.state == OrderState.FAILED and order.withdrawn_by_payment:
        _complete_withdrawn(order, actor, moment)
    else:
        _complete(order, actor, moment, "disconnected", _report(order))
    arrears.disconnected_at, arrears.reconnected_at = moment, None
    arrears.save(update_fields=["disconnected_at", "reconnected_at", "updated_at"])
    if arrears.paid_at:
        # Cut before a payment that is already known (the result came in late): the meter
        # goes back on by H+1 from the payment.
        order_reconnection(actor=actor, arrears=arrears)
    return order


def _complete_withdrawn(order: FieldOrder, actor: User, moment: datetime) -> None:
    """A cut made offline before the payment that withdrew its order reaches the server: it is
    recorded (the meter is off), and the reconnection follows from the payment."""
    from_state = order.state
    note = "; ".join(n for n in (str(_("Diputus sebelum pelunasan")), _report(order)) if n)
    order.complete_after_withdrawal(by=actor, at=moment)
    order.full_clean(exclude=["photo", "signature", "state"])
    order.save()
    _event(order, actor, "disconnected", from_state, note)


def order_reconnection(*, actor: User, arrears: Arrears) -> None:
    """ "Penyambungan kembali maximum pada H + 1 setelah pelunasan" (seed 004 §VI): the
    reconnection order of a paid, disconnected customer, due from the real payment time."""
    note = str(OrderKind.RECONNECTION.label)
    if arrears.disconnected_at >= arrears.paid_at:
        note = _("%(kind)s: diputus setelah lunas") % {"kind": note}
    _issue(
        actor=actor,
        customers=Customer.objects.filter(pk=arrears.customer_id),
        kind=OrderKind.RECONNECTION,
        verb="order_issued",
        note=note,
        arrears=arrears,
        due_at=reconnection_due(paid_at=arrears.paid_at, zone=unit_time_zone(arrears.unit_id)),
    )


@transaction.atomic
def record_reconnection(
    *, actor: User, order: FieldOrder, register_kwh: Decimal, photo, at: datetime | None = None
) -> FieldOrder:
    """Penyambungan kembali: "Mencatat stand meter dan Memfoto KWH meter yang telah disambung
    kembali" (seed 004 §VI), done by H+1 after payment and reported by H+1 after the work."""
    order = _locked(order, actor, OrderKind.RECONNECTION)
    _check_recorder(actor, order)
    _require_photo(photo)
    moment = _done_moment(order, at)
    order.register_kwh = register_kwh
    order.photo = _photo(photo, order.unit)
    order.done_at = moment
    notes = [
        _("Terlambat dari H+1") if order.due_at and moment >= order.due_at else "",
        _report(order),
    ]
    _complete(order, actor, moment, "reconnected", "; ".join(str(n) for n in notes if n))
    Arrears.objects.filter(pk=order.arrears_id).update(
        reconnected_at=moment, updated_at=timezone.now()
    )
    return order


def eligible_for_dismantling(arrears: Arrears, zones: dict[int, str], now=None) -> bool:
    """Bongkar rampung eligibility of one arrears row today in its own unit's zone, the same
    on the list, the dashboard and when the order is issued."""
    zone = zones[arrears.unit_id]
    return dismantling_eligible(
        bills=arrears.bills,
        disconnected_at=arrears.disconnected_at,
        reconnected_at=arrears.reconnected_at,
        today=local_today(zone, now),
        zone=zone,
    )


def dismantling_candidates(arrears: QuerySet) -> list[Arrears]:
    """The arrears eligible for bongkar rampung today (a cheap pre-filter, then the rule)."""
    # Eligible means cut before the local start of (today - 59 days), which is before
    # now - 59 days in any zone: a safe pre-filter in SQL, the rule decides.
    latest = timezone.now() - timedelta(days=DISMANTLING_DAYS - 1)
    rows = list(
        arrears.filter(
            bills__gte=DISMANTLING_BILLS, disconnected_at__lte=latest, paid_at__isnull=True
        ).select_related("customer")
    )
    zones = unit_zones(a.unit_id for a in rows)
    return [a for a in rows if eligible_for_dismantling(a, zones)]


@transaction.atomic
def issue_dismantling_orders(*, actor: User, arrears: QuerySet) -> int:
    """Order bongkar rampung for customers >= 3 lembar, 60 days after disconnection."""
    require_role(actor, ISSUERS)
    arrears = scoped(arrears, actor)
    rows = list(arrears.select_related("customer"))
    zones = unit_zones(a.unit_id for a in rows)
    for a in rows:
        if not eligible_for_dismantling(a, zones):
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
    *, actor: User, order: FieldOrder, register_kwh: Decimal, photo, at: datetime | None = None
) -> FieldOrder:
    """Bongkar rampung done: the final register value and a photo. The meter comes out of the
    customer master that day, so the reading lists drop the customer from the next period on
    (issue #23)."""
    order = _locked(order, actor, OrderKind.DISMANTLING)
    _check_recorder(actor, order)
    _require_photo(photo)
    moment = _done_moment(order, at)
    order.register_kwh = register_kwh
    order.photo = _photo(photo, order.unit)
    _complete(order, actor, moment, "dismantled")
    remove_meter(
        customer=order.customer,
        removed_on=timezone.localtime(moment, ZoneInfo(unit_time_zone(order.unit_id))).date(),
        reason=RemovalReason.DISMANTLED,
        note=f"{OrderKind.DISMANTLING.label} {order.reference}",
        actor=actor,
    )
    return order
