"""Writes of a prepaid application: one function per step (seed 002, Bab 2).

Entry -> SIP -> Pelunasan -> Aktivasi meter -> Monitoring permohonan token -> PK ->
realisasi (installation) -> PDL. Every step checks its rule, moves the application's state
machine, and records the step on the customer's core.Process.
"""

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from meterops.core.choices import Domain, RoleCode
from meterops.core.errors import InvalidInput, NotAllowed, WrongState
from meterops.core.formats import rupiah
from meterops.core.images import check_image, check_scan
from meterops.core.models import Unit, User
from meterops.core.scoping import scoped
from meterops.core.services import (
    advance_process,
    ensure_field_officer_for,
    open_process,
    require_role,
    require_unit,
)
from meterops.core.transitions import move
from meterops.customers.choices import PaymentMode, RemovalReason
from meterops.customers.errors import MeterNotInstallable
from meterops.customers.meter_swaps import meters_rekeyed
from meterops.customers.models import Customer, Meter
from meterops.customers.services import ensure_meter_installable, swap_meter
from meterops.vending.keys import current_key_for

from ..choices import (
    CLOSED_STATES,
    MANUAL_CHANNEL,
    NEW_CUSTOMER_KINDS,
    Product,
    RequestKind,
    RequestState,
    TokenStatus,
)
from ..errors import (
    AlreadyPaid,
    AlreadySubmitted,
    CustomerRequired,
    DocumentsMissing,
    DuplicateReference,
    FeeNotFound,
    MeterUnavailable,
    NfcMismatch,
    TokensNotIssued,
    WrongAmount,
)
from ..models import (
    FeeSchedule,
    IssuedToken,
    MeterStock,
    Payment,
    ServiceRequest,
    kwh_for,
)
from ..tokens import KeyDataUnknown, TokenMaker

OFFICE_ROLES = (RoleCode.ADMIN, RoleCode.UNIT_ADMIN, RoleCode.SUPERVISOR)
FIELD_ROLES = (RoleCode.FIELD_OFFICER,)
# Our bound on a temporary connection: longer than this is a Pasang Baru (and a typo'd year
# is caught). The seed names PS without its terms.
TEMPORARY_CONNECTION_MAX = timedelta(days=366)


def require_office_role(actor: User | None) -> None:
    """Application steps at the office are for admins, unit admins and supervisors; a payment
    channel or a job (no actor) may take them too."""
    if actor is not None:
        require_role(actor, OFFICE_ROLES)


def _state_label(state: str) -> str:
    return str(RequestState(state).label)


def _advance(request: ServiceRequest, *, verb: str, actor, note: str = "", closes=False):
    return advance_process(
        process=request.process,
        to_state=request.state,
        state_label=_state_label(request.state),
        verb=f"prepaid.{verb}",
        actor=actor,
        note=note,
        closes=closes,
    )


def _locked(request: ServiceRequest) -> ServiceRequest:
    return (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("unit", "meter")
        .get(pk=request.pk)
    )


# --- Entri permohonan ------------------------------------------------------------------


def next_request_number(unit: Unit, today: date) -> str:
    """No agenda: unit code, YYMMDD and a 7-digit sequence of the unit's day (seed 002, 2.1)."""
    prefix = f"{unit.code}{today:%y%m%d}"
    last = ServiceRequest.objects.filter(request_number__startswith=prefix).aggregate(
        m=Max("request_number")
    )["m"]
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{sequence:07d}"


def next_customer_id(unit: Unit) -> str:
    """A new IDPEL for a PB: the unit's 5-digit code and the next free 7-digit number."""
    last = Customer.objects.filter(customer_id__startswith=unit.code[:5]).aggregate(
        m=Max("customer_id")
    )["m"]
    return f"{unit.code[:5]}{int(last[5:]) + 1 if last else 1:07d}"


def check_temporary_end(*, kind: str, ends_on: date | None, today: date) -> None:
    """A Penyambungan Sementara (seed 002, 1.5 "Permohonan PB/PD/PS/Migrasi") ends: its last
    day is after the day of entry and within ``TEMPORARY_CONNECTION_MAX``; no other kind has
    an end date. Refusals name the field ``ends_on``."""
    if kind != RequestKind.TEMPORARY_CONNECTION:
        if ends_on is not None:
            raise InvalidInput(
                "ends_on", _("Tanggal berakhir hanya diisi untuk Penyambungan Sementara (PS).")
            )
        return
    if ends_on is None:
        raise InvalidInput(
            "ends_on", _("Tanggal berakhir wajib diisi untuk Penyambungan Sementara (PS).")
        )
    if ends_on <= today:
        raise InvalidInput(
            "ends_on",
            _("Tanggal berakhir PS harus setelah hari ini (%(d)s).") % {"d": f"{today:%d-%m-%Y}"},
        )
    if ends_on > today + TEMPORARY_CONNECTION_MAX:
        raise InvalidInput(
            "ends_on",
            _(
                "Penyambungan Sementara paling lama %(n)s hari (sampai %(d)s); sambungan yang "
                "lebih lama adalah Pasang Baru."
            )
            % {
                "n": TEMPORARY_CONNECTION_MAX.days,
                "d": f"{today + TEMPORARY_CONNECTION_MAX:%d-%m-%Y}",
            },
        )


def fees_for(*, kind: str, tariff: str, power_va: int, customer: Customer | None) -> dict:
    """The amounts of an application from the fee table; a PD pays the BP and UJL difference."""
    row = FeeSchedule.objects.filter(tariff=tariff, power_va=power_va).first()
    if row is None:
        raise FeeNotFound(
            _("Tabel biaya untuk tarif %(t)s daya %(p)s VA belum diatur.")
            % {"t": tariff, "p": power_va}
        )
    connection_fee, deposit = row.connection_fee, row.deposit
    if kind == RequestKind.TARIFF_CHANGE and customer is not None:
        old = FeeSchedule.objects.filter(tariff=customer.tariff, power_va=customer.power_va).first()
        if old is not None:
            connection_fee = max(connection_fee - old.connection_fee, Decimal(0))
            deposit = max(deposit - old.deposit, Decimal(0))
    tax = (connection_fee * row.ppn_percent / 100).quantize(Decimal("1"))
    return {
        "connection_fee": connection_fee,
        "connection_fee_tax": tax,
        "deposit": deposit,
        "initial_credit": row.initial_credit,
        "initial_credit_kwh": kwh_for(
            row.initial_credit, price_per_kwh=row.price_per_kwh, ppj_percent=row.ppj_percent
        ),
        "tariff_index": row.tariff_index,
    }


@transaction.atomic
def register_request(
    *,
    actor: User,
    unit: Unit,
    kind: str,
    product: str,
    tariff: str,
    power_va: int,
    applicant_name: str,
    address: str,
    phone: str = "",
    customer: Customer | None = None,
    previous_deposit: Decimal = Decimal(0),
    last_postpaid_bill: Decimal = Decimal(0),
    submission: uuid.UUID | None = None,
    ends_on: date | None = None,
) -> ServiceRequest:
    """Entri permohonan PB/PD/PS/Paskem/Migrasi with its product and fees (seed 002, 1.5 and
    2.1-2.3).

    A PB or PS gets its IDPEL (and its Customer row, prepaid, no meter yet) here, as AP2T shows
    an IDPEL before PDL; a PD/Paskem/Migrasi needs an existing customer with no open process.
    A PS carries its end date (``check_temporary_end``).
    ``submission`` is the entry form's one-time key: a form sent again raises
    ``AlreadySubmitted`` naming the application it made (issue #17), and nothing is written.
    """
    require_office_role(actor)
    require_unit(actor, unit)
    check_temporary_end(kind=kind, ends_on=ends_on, today=timezone.localdate())
    Unit.objects.select_for_update().filter(pk=unit.pk).first()  # serialise numbering
    # Under the unit's lock a resend of the same form waits for the first to commit, then sees it.
    ensure_not_submitted(submission)
    if kind in NEW_CUSTOMER_KINDS:
        customer = Customer(
            customer_id=next_customer_id(unit),
            unit=unit,
            name=applicant_name,
            address=address,
            tariff=tariff,
            power_va=power_va,
            payment_mode=PaymentMode.PREPAID,
        )
        customer._history_user = actor
        customer.full_clean()
        customer.save()
    elif customer is None or customer.unit_id != unit.pk:
        raise CustomerRequired(
            "customer",
            _("Permohonan %(k)s memerlukan IDPEL pelanggan yang sudah ada di unit ini.")
            % {"k": RequestKind(kind).label},
        )
    elif kind == RequestKind.MIGRATION and customer.payment_mode != PaymentMode.POSTPAID:
        raise CustomerRequired("customer", _("Migrasi hanya untuk pelanggan pascabayar."))
    number = next_request_number(unit, timezone.localdate())
    process = open_process(
        customer=customer,
        domain=Domain.PREPAID,
        kind=str(RequestKind(kind).label),
        reference=number,
        state=RequestState.REGISTERED,
        state_label=_state_label(RequestState.REGISTERED),
        actor=actor,
        note=f"{Product(product).label}, {tariff}/{power_va} VA",
    )
    request = ServiceRequest(
        request_number=number,
        process=process,
        unit=unit,
        customer=customer,
        kind=kind,
        product=product,
        applicant_name=applicant_name,
        address=address,
        phone=phone,
        tariff=tariff,
        power_va=power_va,
        previous_tariff="" if kind in NEW_CUSTOMER_KINDS else customer.tariff,
        previous_power_va=None if kind in NEW_CUSTOMER_KINDS else customer.power_va,
        previous_deposit=previous_deposit if kind == RequestKind.MIGRATION else 0,
        last_postpaid_bill=last_postpaid_bill if kind == RequestKind.MIGRATION else 0,
        **fees_for(kind=kind, tariff=tariff, power_va=power_va, customer=customer),
        submission=submission,
        ends_on=ends_on,
    )
    request.full_clean(exclude=["process", "customer", "unit", "state", "submission"])
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        # The same key sent for another unit passed no common lock: the constraint decides.
        ensure_not_submitted(submission)
        raise
    return request


def ensure_not_submitted(submission: uuid.UUID | None) -> None:
    """Refuse an entry form already sent once (issue #17: a double submit made two PBs)."""
    if submission is None:
        return
    earlier = ServiceRequest.objects.filter(submission=submission).first()
    if earlier is not None:
        raise AlreadySubmitted(earlier)


# --- Pelunasan -------------------------------------------------------------------------


@transaction.atomic
def record_payment(
    *,
    request: ServiceRequest,
    amount: Decimal,
    channel: str,
    reference: str,
    actor: User | None,
    paid_at: datetime | None = None,
) -> tuple[Payment, bool]:
    """Pelunasan by request number, idempotent on (channel, reference) (seed 002, 2.1 step 3).

    Returns the payment and whether it is new. The same reference again for the same request
    and amount is the same payment; anything else already paid, or a partial or wrong
    amount, is refused with the amount due.
    """
    if channel == MANUAL_CHANNEL:
        require_office_role(actor)
    existing = Payment.objects.filter(channel=channel, reference=reference).first()
    if existing is not None:
        if existing.request_id == request.pk and existing.amount == amount:
            return existing, False
        raise DuplicateReference(
            _("Referensi %(r)s kanal %(c)s sudah dipakai untuk pembayaran lain.")
            % {"r": reference, "c": channel}
        )
    request = _locked(request)
    if request.state != RequestState.REGISTERED:
        raise AlreadyPaid(
            _("Permohonan %(n)s sudah lunas; pembayaran ganda ditolak.")
            % {"n": request.request_number}
        )
    if amount != request.amount_due:
        raise WrongAmount(
            "amount",
            _("Jumlah %(a)s tidak sesuai. Tagihan permohonan %(n)s: %(d)s.")
            % {"a": rupiah(amount), "n": request.request_number, "d": rupiah(request.amount_due)},
            amount_due=str(request.amount_due),
        )
    at = paid_at or timezone.now()
    request.pay(at=at)
    request.save()
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                request=request,
                amount=amount,
                channel=channel,
                reference=reference,
                paid_at=at,
                recorded_by=actor,
            )
    except IntegrityError as exc:
        raise DuplicateReference(_("Pembayaran ini baru saja dicatat oleh kanal lain.")) from exc
    _advance(request, verb="paid", actor=actor, note=f"{channel} {reference} {rupiah(amount)}")
    return payment, True


# --- Aktivasi meter --------------------------------------------------------------------


def is_nfc_meter(meter_number: str) -> bool:
    """Whether a meter is a two-way NFC meter: read from the prepaid stock it came from.

    customers.Meter has no NFC attribute yet (the customers app is shared; asked for in the
    report of issue #8); a meter that never went through the prepaid stock counts as keypad.
    """
    return MeterStock.objects.filter(meter_number=meter_number, is_nfc=True).exists()


def nfc_mismatch_message(request: ServiceRequest, stock) -> str:
    """Validasi Kesesuaian Meter NFC Saat Aktivasi (seed 002, Gambar 2-13)."""
    nfc = stock.is_nfc if isinstance(stock, MeterStock) else is_nfc_meter(stock.meter_number)
    return _(
        "Meter %(m)s tidak sesuai dengan pilihan produk saat permohonan (%(p)s): meter ini "
        "%(kind)s. Gunakan meter yang sesuai, atau lanjutkan dengan mengubah produk."
    ) % {
        "m": stock.meter_number,
        "p": Product(request.product).label,
        "kind": _("meter dua arah NFC") if nfc else _("meter prabayar satu arah"),
    }


def may_keep_installed_meter(request: ServiceRequest) -> bool:
    """Whether the application may keep the customer's installed meter instead of stock.

    Seed 002 Bab 2: every kind goes through "Aktivasi Meter" with a meter number, and the
    tokens are followed by "setting KCT dll": for a PD (2.2) of a customer already on prepaid
    the installed prepaid meter stays and gets KCTs for the new tariff index, or is replaced
    from stock. A PB (2.1) or a PS has no meter; a Paskem (2.3, after dismantling) gets one from
    stock; a Migrasi (1.5 step 5, "memasang Meter Prabayar dua Arah") replaces the postpaid
    meter, which cannot take tokens, with a prepaid one from stock.
    """
    return (
        request.kind == RequestKind.TARIFF_CHANGE
        and request.customer.payment_mode == PaymentMode.PREPAID
    )


def _meter_for_activation(request: ServiceRequest, meter_number: str, actor: User):
    """(stock meter, kept meter) for the number given, by ``may_keep_installed_meter``."""
    installed = (
        Meter.objects.filter(
            customer=request.customer, meter_number=meter_number, removed_at__isnull=True
        )
        .select_for_update()
        .first()
    )
    if installed is not None:
        if not may_keep_installed_meter(request):
            raise MeterUnavailable(
                "meter_number",
                _(
                    "%(k)s memerlukan meter prabayar dari stok: meter %(m)s yang terpasang "
                    "tidak dapat dipertahankan."
                )
                % {"k": RequestKind(request.kind).label, "m": meter_number},
            )
        return None, installed
    # Locked: a stock upload changing this meter waits for the activation, or is seen by it.
    stock = scoped(MeterStock, actor).select_for_update().filter(meter_number=meter_number).first()
    if stock is None:
        raise MeterUnavailable(
            "meter_number",
            _("No meter %(m)s tidak ada di stok meter prabayar unit Anda.") % {"m": meter_number},
        )
    try:
        ensure_meter_installable(meter_number=stock.meter_number, customer=request.customer)
    except MeterNotInstallable as exc:
        raise MeterUnavailable("meter_number", exc.message) from exc
    others = ServiceRequest.objects.filter(meter=stock).exclude(pk=request.pk)
    if others.exclude(state__in=CLOSED_STATES).exists():
        raise MeterUnavailable(
            "meter_number",
            _("Meter %(m)s sudah diaktivasi untuk permohonan lain.") % {"m": stock.meter_number},
        )
    return stock, None


@transaction.atomic
def activate_meter(
    *,
    request: ServiceRequest,
    meter_number: str,
    actor: User,
    change_product: bool = False,
) -> ServiceRequest:
    """Aktivasi meter: bind a meter of the unit's stock (or, for a PD, keep the installed one,
    ``may_keep_installed_meter``), checking NFC against the product (seed 002, 2.1 step 4).

    A meter of the other kind is refused (Validasi kesesuaian meter NFC); with
    ``change_product`` the application goes on with the meter's product, and that is recorded.
    """
    require_office_role(actor)
    request = _locked(request)
    if request.state != RequestState.PAID:
        raise WrongState(
            _("Permohonan %(n)s belum bisa diaktivasi (status: %(s)s).")
            % {"n": request.request_number, "s": request.get_state_display()}
        )
    stock, kept = _meter_for_activation(request, meter_number.strip(), actor)
    meter = stock or kept
    meter_is_nfc = stock.is_nfc if stock else is_nfc_meter(kept.meter_number)
    note = ""
    if meter_is_nfc != request.is_nfc:
        if not change_product:
            raise NfcMismatch("meter_number", nfc_mismatch_message(request, meter))
        new_product = Product.PREPAID_NFC if meter_is_nfc else Product.PREPAID_KEYPAD
        note = _("Produk diubah dari %(a)s menjadi %(b)s karena meter %(m)s.") % {
            "a": Product(request.product).label,
            "b": new_product.label,
            "m": meter.meter_number,
        }
        request.product, request.product_note = new_product, note
    request.activate(meter=stock, kept_meter=kept, at=timezone.now())
    request.save()
    kept_note = _("meter terpasang dipertahankan") if kept else ""
    summary = " ".join(part for part in (str(meter), kept_note, note) if part)
    _advance(request, verb="activated", actor=actor, note=summary)
    return request


# --- Pembatalan ------------------------------------------------------------------------


@transaction.atomic
def cancel_request(*, request: ServiceRequest, actor: User, reason: str) -> ServiceRequest:
    """Cancel an application before its installation, with the reason (beyond seed 002).

    AP2T lets the unit cancel ("batal") an application that will not go on; here: office roles
    only, any state up to "PK diterbitkan" (an installed meter needs PDL or a dismantling
    instead), a reason of at least 10 characters. The bound stock meter is released for another
    application (the one-open-application constraint ignores cancelled ones), issued tokens
    are voided, the process is closed with the reason, and a paid application is marked for
    refund in the event.
    """
    require_office_role(actor)
    reason = " ".join((reason or "").split())
    if len(reason) < 10:
        raise InvalidInput("reason", _("Alasan batal wajib diisi (minimal 10 karakter)."))
    request = _locked(request)
    if not can_proceed(request.cancel):
        raise WrongState(
            _("Permohonan %(n)s tidak dapat dibatalkan: %(s)s.")
            % {"n": request.request_number, "s": request.get_state_display().lower()}
        )
    was_paid = request.paid_at is not None
    released = request.meter.meter_number if request.meter_id else ""
    request.cancel(by=actor, at=timezone.now(), reason=reason)
    request.save()
    request.tokens.update(status=TokenStatus.VOIDED)
    parts = [reason]
    if released:
        parts.append(_("meter %(m)s kembali ke stok") % {"m": released})
    if was_paid:
        parts.append(_("pembayaran %(a)s perlu dikembalikan") % {"a": rupiah(request.amount_due)})
    _advance(request, verb="cancelled", actor=actor, note="; ".join(parts), closes=True)
    return request


# --- Monitoring permohonan token -------------------------------------------------------


def issue_tokens_for(
    *, requests: list[ServiceRequest], actor: User | None, at: datetime | None = None
) -> dict[str, str]:
    """Issue the KCTs and stroom awal of activated applications, set-based (seed 002, step 5).

    Returns {request number: reason} for those left waiting (unknown key data); the others
    get their tokens, move to TOKENS_ISSUED and get one event each, in one transaction.
    """
    require_office_role(actor)
    at = at or timezone.now()
    maker = TokenMaker(at)
    refused, tokens, done = {}, [], []
    with transaction.atomic():
        locked = list(
            ServiceRequest.objects.select_for_update(of=("self",))
            .filter(pk__in=[r.pk for r in requests], state=RequestState.ACTIVATED)
            .select_related("unit", "meter", "kept_meter")
        )
        maker.reserve_stroom_awal(locked)
        for request in locked:
            try:
                drafts = maker.drafts_for(request)
            except KeyDataUnknown as exc:
                refused[request.request_number] = str(exc)
                continue
            done.append(request)
            tokens += [
                IssuedToken(
                    request=request, sequence=n, kind=d.kind, token=d.token, kwh=d.kwh, issued_at=at
                )
                for n, d in enumerate(drafts, start=1)
            ]
        IssuedToken.objects.bulk_create(tokens, batch_size=2000)
        move(
            ServiceRequest.objects.filter(pk__in=[r.pk for r in done]),
            method=ServiceRequest.issue_tokens,
            verb="prepaid.tokens_issued",
            actor=actor,
            events=True,
            domain=Domain.PREPAID,
        )
    return refused


def issue_request_tokens(*, request: ServiceRequest, actor: User) -> ServiceRequest:
    """The tokens of one application; refused unless it is paid and activated."""
    if request.state in (RequestState.REGISTERED, RequestState.PAID):
        raise WrongState(
            _("Token belum dapat dibuat: permohonan %(n)s %(s)s.")
            % {"n": request.request_number, "s": request.get_state_display().lower()}
        )
    if request.state != RequestState.ACTIVATED:
        raise WrongState(_("Token permohonan ini sudah terbit."))
    refused = issue_tokens_for(requests=[request], actor=actor)
    if refused:
        raise TokensNotIssued(refused[request.request_number])
    request.refresh_from_db()
    return request


# --- PK, realisasi, PDL ----------------------------------------------------------------


@transaction.atomic
def assign_work_order(*, request: ServiceRequest, officer: User, actor: User) -> ServiceRequest:
    """Cetak PK / BA pasang: give the installation to a field officer of the unit."""
    require_office_role(actor)
    request = _locked(request)
    if not can_proceed(request.assign):
        raise WrongState(_("PK hanya dapat diterbitkan setelah token terbit."))
    ensure_field_officer_for(request.unit, officer, actor=actor)
    request.assign(officer=officer)
    request.save()
    _advance(request, verb="work_order_assigned", actor=actor, note=officer.get_username())
    return request


def installation_refusal(request: ServiceRequest) -> str:
    """Why a realisation cannot be recorded now, in the officer's words: the application was
    cancelled (with the office's reason), is already installed (when, by whom), or has no PK yet.

    A phone sends its entry hours after the work list was fetched (issue #18): the officer must
    learn from the answer whether to leave the meter or that the work was recorded already.
    """
    number = request.request_number
    if request.state == RequestState.CANCELLED:
        return _(
            "Permohonan %(n)s sudah dibatalkan kantor pada %(at)s (%(reason)s): realisasi tidak "
            "dicatat. Hubungi admin unit bila meter sudah terpasang."
        ) % {
            "n": number,
            "at": f"{timezone.localtime(request.cancelled_at):%d-%m-%Y %H:%M}",
            "reason": request.cancel_reason,
        }
    if request.installed_on is not None:
        by = request.installed_by
        return _("Realisasi permohonan %(n)s sudah dicatat: dipasang %(on)s oleh %(by)s.") % {
            "n": number,
            "on": f"{request.installed_on:%d-%m-%Y}",
            "by": (by.get_full_name() or by.get_username()) if by else "-",
        }
    return _("Realisasi %(n)s memerlukan PK yang sudah diterbitkan (status: %(s)s).") % {
        "n": number,
        "s": request.get_state_display().lower(),
    }


@transaction.atomic
def record_installation(
    *,
    request: ServiceRequest,
    actor: User,
    installed_on: date,
    report_scan,
    contract_scan,
    photo=None,
) -> ServiceRequest:
    """Realisasi: the meter is installed, the tokens entered, BA and SPJBTL signed and scanned
    (seed 002, 2.1 step 5: "penyambungan di lapangan"), from the web form or the field app."""
    request = _locked(request)
    if request.assigned_to_id != actor.pk and not actor.has_role(*OFFICE_ROLES):
        raise NotAllowed(_("Realisasi hanya oleh petugas yang ditugaskan atau admin unit."))
    if not can_proceed(request.install):
        raise WrongState(installation_refusal(request))
    if not report_scan or not contract_scan:
        raise DocumentsMissing(
            "report_scan" if not report_scan else "contract_scan",
            _("Lampirkan scan BA pasang dan SPJBTL yang sudah ditandatangani."),
        )
    if installed_on > timezone.localdate():
        raise InvalidInput("installed_on", _("Tanggal pasang tidak boleh di masa depan."))
    if request.ends_on is not None and installed_on > request.ends_on:
        raise InvalidInput(
            "installed_on",
            _("Tanggal pasang melewati tanggal berakhir Penyambungan Sementara (%(d)s).")
            % {"d": f"{request.ends_on:%d-%m-%Y}"},
        )
    report = check_scan(report_scan, field="report_scan", label=_("Scan BA pasang"))
    contract = check_scan(contract_scan, field="contract_scan", label=_("Scan SPJBTL"))
    checked = check_image(photo, field="photo", label=_("Foto pemasangan")) if photo else None
    request.install(on=installed_on, by=actor)
    # Stored under the extension of what they are, not of what they were called.
    request.report_scan = File(report_scan, name=f"ba{report.extension}")
    request.contract_scan = File(contract_scan, name=f"spjbtl{contract.extension}")
    if checked:
        request.photo = File(photo, name=f"foto{checked.extension}")
    request.save()
    request.tokens.update(status=TokenStatus.ENTERED)
    _advance(request, verb="installed", actor=actor, note=f"{installed_on:%d-%m-%Y}")
    return request


@transaction.atomic
def complete_request(*, request: ServiceRequest, actor: User) -> ServiceRequest:
    """PDL: update the customer master (meter, tariff, power, prepaid) and close the process."""
    require_office_role(actor)
    request = _locked(request)
    if not can_proceed(request.complete):
        raise WrongState(_("PDL hanya setelah realisasi pemasangan dicatat."))
    customer = Customer.objects.select_for_update().get(pk=request.customer_id)
    customer.tariff, customer.power_va = request.tariff, request.power_va
    customer.payment_mode = PaymentMode.PREPAID
    if request.kind in NEW_CUSTOMER_KINDS:
        customer.name, customer.address = request.applicant_name, request.address
    customer._history_user = actor
    customer.save()
    target = current_key_for(request.unit)
    if request.kept_meter_id:
        meter = Meter.objects.select_for_update().get(pk=request.kept_meter_id)
        meter.tariff_index = request.tariff_index
        rekeyed = target is not None and meter.vkrn != target.vkrn
        if target is not None:
            meter.vkrn, meter.key_revision = target.vkrn, target.key_revision
        meter._history_user = actor
        meter.save()
        if rekeyed:
            note = _("KCT permohonan %(n)s") % {"n": request.request_number}
            meters_rekeyed([meter.pk], actor=actor, note=note)
        request.complete(at=timezone.now())
        request.save()
        _advance(request, verb="completed", actor=actor, note=str(meter), closes=True)
        return request
    stock = request.meter
    _old, meter = swap_meter(
        customer=customer,
        new_meter=Meter(
            brand=stock.brand,
            model=stock.model,
            meter_number=stock.meter_number,
            serial_number=stock.serial_number,
            supply_group=stock.supply_group,
            tariff_index=request.tariff_index,
            vkrn=target.vkrn if target else stock.vkrn,
            key_revision=target.key_revision if target else stock.key_revision,
            key_type=stock.key_type,
            installed_at=request.installed_on,
        ),
        removed_on=request.installed_on,
        reason=RemovalReason.REPLACED,
        note=f"{request.get_kind_display()} {request.request_number}",
        actor=actor,
    )
    request.complete(at=timezone.now())
    request.save()
    _advance(request, verb="completed", actor=actor, note=str(meter), closes=True)
    return request
