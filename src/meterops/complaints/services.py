"""Writes of the PLN 123 procedure for a token that cannot be entered (seed 003, point 7)."""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from meterops import sts
from meterops.core.choices import Domain, RoleCode
from meterops.core.errors import InvalidInput
from meterops.core.formats import number
from meterops.core.models import Unit, User, unit_time_zone
from meterops.core.services import (
    advance_process,
    ensure_field_officer_for,
    open_process,
    record_event,
    require_role,
)
from meterops.keychange.queries import last_key_update
from meterops.vending.choices import NEW_VKRN, OLD_VKRN
from meterops.vending.keys import credit_token_for, key_for_vkrn, vending_keys_for
from meterops.vending.models import VendingKey
from meterops.vending.tids import IssueClock

from . import errors
from .choices import PowerState, TicketCause, TicketKind, TicketState, TokenFinding
from .models import ComplaintSettings, ProbingStep, ReplacementToken, Ticket, TokenCall

CALL_CENTRE_ROLES = (RoleCode.ADMIN, RoleCode.CALL_CENTRE)
HANDLER_ROLES = (RoleCode.ADMIN, RoleCode.UNIT_ADMIN, RoleCode.SUPERVISOR, RoleCode.FIELD_OFFICER)
OUTAGE_LIMIT_KWH = Decimal(10)
# A replacement from the receipt: kWh as printed (0.1 steps), above 0 and at most this, which is
# far above a household purchase and catches the rupiah amount typed in the kWh field.
RECEIPT_MAX_KWH = Decimal(10_000)
TOKEN_DIGITS = 20
DEFAULT_PROBING = (
    _("Tanyakan pesan/kode yang muncul di display meter saat token diinput."),
    _("Cocokkan nomor meter pada struk token dengan nomor meter di lokasi."),
    _("Pastikan 20 digit token diinput lengkap, lalu tekan enter."),
    _("Tanyakan apakah token yang sama sudah pernah diinput (token terpakai)."),
)


def call_zone(customer) -> ZoneInfo:
    """The zone a call's times are entered and shown in: the customer's unit's (WIB, WITA or
    WIT), as P2APST prints the purchase and update times, whatever the agent's own zone."""
    return ZoneInfo(unit_time_zone(customer.unit_id))


def _at(moment: datetime, zone: ZoneInfo) -> str:
    return timezone.localtime(moment, zone).strftime("%d-%m-%Y %H:%M %Z")


def token_number_from(text: str) -> str:
    """The 20 digits of a token as the customer reads it (spaces and dashes allowed); anything
    else is refused with the reason, before a ticket is filed on a misread number."""
    digits = text.replace(" ", "").replace("-", "")
    wrong = [char for char in digits if char not in "0123456789"]
    if wrong:
        raise InvalidInput(
            "token",
            _(
                "Nomor token hanya berisi angka; “%(char)s” bukan angka. Minta pelanggan "
                "membacakan ulang nomor token dari struk."
            )
            % {"char": wrong[0]},
        )
    if len(digits) != TOKEN_DIGITS:
        raise InvalidInput(
            "token",
            _(
                "Nomor token harus %(n)s digit; yang diisi %(given)s digit. Minta pelanggan "
                "membacakan ulang nomor token dari struk."
            )
            % {"n": TOKEN_DIGITS, "given": len(digits)},
        )
    return digits


def ticket_kind_for(
    *, power_state: str, remaining_kwh: Decimal | None, old_key_token: bool
) -> TicketKind:
    """Gangguan or Keluhan (seed 003, 7.c.5 and 7.d.2): the one place this rule lives."""
    if old_key_token or power_state in (PowerState.OFF, PowerState.ALMOST_OFF):
        return TicketKind.OUTAGE
    if power_state == PowerState.ON and remaining_kwh is not None:
        return TicketKind.OUTAGE if remaining_kwh <= OUTAGE_LIMIT_KWH else TicketKind.COMPLAINT
    return TicketKind.COMPLAINT


def probing_steps_for(unit: Unit) -> list[str]:
    """The probing checklist of the unit, or of its nearest ancestor, or the default one."""
    rows = ProbingStep.objects.filter(unit__code__in=unit.ancestor_codes(), is_active=True)
    by_unit: dict[str, list[str]] = {}
    for step in rows.select_related("unit").order_by("-unit__path", "position", "id"):
        by_unit.setdefault(step.unit.path, []).append(step.text)
    if by_unit:
        return by_unit[max(by_unit, key=len)]
    return [str(text) for text in DEFAULT_PROBING]


@transaction.atomic
def save_probing_steps(*, actor: User, unit: Unit, lines: list[str]) -> list[ProbingStep]:
    """Replace a unit's probing checklist with the given questions, in order."""
    require_role(actor, (RoleCode.ADMIN, RoleCode.UNIT_ADMIN))
    ProbingStep.objects.filter(unit=unit).update(is_active=False)
    steps = []
    for position, text in enumerate((line.strip() for line in lines if line.strip()), 1):
        step = ProbingStep(unit=unit, position=position * 10, text=text)
        step._history_user = actor
        step.save()
        steps.append(step)
    return steps


@transaction.atomic
def save_complaint_settings(
    *, actor: User, unit: Unit, outage_sla_hours: int, complaint_sla_hours: int
) -> ComplaintSettings:
    """The unit's SLA clock per APKT kind."""
    require_role(actor, (RoleCode.ADMIN, RoleCode.UNIT_ADMIN))
    row, _created = ComplaintSettings.objects.get_or_create(unit=unit)
    row.outage_sla_hours, row.complaint_sla_hours = outage_sla_hours, complaint_sla_hours
    row._history_user = actor
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def record_probing_call(*, actor: User, customer, checked: list[str], note: str = "") -> TokenCall:
    """VKRN 41/42: not upgraded; probe as before and record the call (seed 003, 7.b)."""
    require_role(actor, CALL_CENTRE_ROLES)
    meter = customer.current_meter
    call = TokenCall.objects.create(
        customer=customer,
        unit_id=customer.unit_id,
        meter=meter,
        vkrn=meter.vkrn if meter else None,
        agent=actor,
        checklist=list(checked),
        note=note,
    )
    record_event(
        verb="complaints.probing_call",
        actor=actor,
        customer=customer,
        domain=Domain.COMPLAINTS,
        note=_("Token tidak bisa masuk, VKRN %(vkrn)s: probing %(n)s langkah. %(note)s")
        % {"vkrn": call.vkrn, "n": len(checked), "note": note},
    )
    return call


@dataclass
class Examination:
    """What the wizard found about the token and the upgrade (seed 003, 7.d)."""

    finding: str = TokenFinding.NOT_CHECKED
    quantity: Decimal | None = None
    issued: datetime | None = None
    key_updated_at: datetime | None = None
    old_key_token: bool = False
    suggested_cause: str = TicketCause.OTHER
    lines: list[str] = field(default_factory=list)


def keys_to_try(customer, meter, update) -> list[tuple[str, VendingKey]]:
    """The keys a customer's token may be made with: VKRN 43, then the meter's old VKRN (41 or
    42, read from its upgrade), or both old keys when the system does not know which."""
    if meter is None:
        return []
    keys = vending_keys_for(customer.unit)
    if meter.vkrn in OLD_VKRN:
        old = [meter.vkrn]
    else:
        kct = update.tokens.order_by("-generated_at").first() if update else None
        old = [kct.from_vkrn] if kct else list(OLD_VKRN)
    found = [(TokenFinding.NEW_KEY, keys.get(NEW_VKRN))]
    found += [(TokenFinding.OLD_KEY, keys.get(vkrn)) for vkrn in old]
    return [(finding, key) for finding, key in found if key is not None]


def examine_token(*, customer, token: str = "", purchased_at: datetime | None = None):
    """Compare the upgrade time with the purchase time, and decode the token (20 digits, see
    ``token_number_from``) under both keys."""
    meter = customer.current_meter
    result = Examination()
    update = last_key_update(meter) if meter else None
    result.key_updated_at = update.updated_key_at if update else None
    keys = keys_to_try(customer, meter, update)
    if token and keys:
        _decode_under_keys(result, meter, keys, token)
    when = purchased_at or result.issued
    if when and result.key_updated_at:
        if when < result.key_updated_at:
            result.old_key_token = True
            result.lines.append(
                _(
                    "Tanggal beli token lebih awal dari tanggal update KRN: token masih VKRN lama "
                    "(41/42) dan tidak dapat dimasukkan ke meter yang sudah diperbarui."
                )
            )
        else:
            result.lines.append(
                _(
                    "Tanggal update lebih awal dari tanggal beli: token sudah VKRN 43 dan dapat "
                    "dimasukkan, kecuali entry KCT oleh petugas gagal (human error)."
                )
            )
    elif result.key_updated_at is None:
        result.lines.append(_("Waktu update KRN meter ini tidak tercatat di sistem."))
    else:
        result.lines.append(
            _(
                "Waktu update KRN %(at)s. Nomor token dan waktu beli belum diisi: bandingkan "
                "dengan waktu beli token di P2APST."
            )
            % {"at": _at(result.key_updated_at, call_zone(customer))}
        )
    if result.finding == TokenFinding.OLD_KEY:
        result.old_key_token = True
    if result.old_key_token:
        result.suggested_cause = TicketCause.OLD_KEY_TOKEN
    elif result.finding == TokenFinding.NEW_KEY or (when and result.key_updated_at):
        result.suggested_cause = TicketCause.KCT_FAILED
        result.lines.append(
            _(
                "Meter menolak token VKRN 43: KCT kemungkinan belum masuk ke meter walau "
                "dikonfirmasi Berhasil. Perlu kunjungan petugas untuk entry KCT ulang."
            )
        )
    return result


def _decode_under_keys(result: Examination, meter, keys, token: str) -> None:
    cache = sts.DecoderKeyCache(maxsize=4)
    for finding, key in keys:
        codec = key.codec(meter, cache)
        try:
            decoded = codec.decode(token)
        except sts.StsError:
            continue
        result.finding = finding
        # A TID counts UTC minutes: tokens are vended with aware times converted to UTC.
        result.issued = decoded.issued and decoded.issued.replace(tzinfo=UTC)
        result.quantity = getattr(decoded.fields, "quantity", None)
        break
    else:
        result.finding = TokenFinding.NO_KEY
    first, new_key = keys[0]
    if first != TokenFinding.NEW_KEY:
        return
    simulated = _simulated_meter(new_key, new_key.codec(meter, cache), meter)
    try:
        simulated.enter(token)
        verdict = _("meter KRN-2 menerima token ini")
    except sts.TokenRejected as exc:
        verdict = _("meter KRN-2 menolak token ini (%(reason)s)") % {"reason": exc.reason.value}
    result.lines.insert(
        0,
        _("%(finding)s; simulasi: %(verdict)s.")
        % {
            "finding": TokenFinding(result.finding).label,
            "verdict": verdict,
        },
    )


def _simulated_meter(key, codec: sts.TokenCodec, meter) -> sts.VirtualMeter:
    """The meter as the system believes it to be after the upgrade: on the VKRN 43 key."""
    return sts.VirtualMeter(
        decoder_key=codec.decoder_key,
        encryption=codec.encryption,
        base_date=codec.base_date,
        key_revision=key.key_revision,
        tariff_index=int(meter.tariff_index),
        supply_group=meter.supply_group,
    )


@transaction.atomic
def handle_token_call(
    *,
    actor: User,
    customer,
    right_token: bool,
    officer_visited: bool,
    power_state: str,
    remaining_kwh: Decimal | None = None,
    token: str = "",
    purchased_at: datetime | None = None,
    note: str = "",
    submission: uuid.UUID | None = None,
) -> Ticket:
    """VKRN 43: record the answers, send the APKT ticket to the customer's unit (seed 003, 7.c);
    while the customer's ticket is open, a new call is added to it instead.

    ``submission`` is the wizard form's one-time key: the same form sent again raises
    ``CallAlreadyRecorded`` and records nothing.
    """
    require_role(actor, CALL_CENTRE_ROLES)
    token = token_number_from(token) if token else ""
    # A few minutes of slack for the agent's or P2APST's clock.
    if purchased_at is not None and purchased_at > timezone.now() + timedelta(minutes=5):
        raise InvalidInput(
            "purchased_at",
            _("Waktu beli token %(at)s belum terjadi; periksa tanggal dan jam di P2APST.")
            % {"at": _at(purchased_at, call_zone(customer))},
        )
    # Lock the customer: a second call at the same moment (another agent, or this form sent
    # twice) waits for this one, then finds its ticket or its form key.
    type(customer).objects.select_for_update().filter(pk=customer.pk).first()
    ensure_call_not_recorded(submission)
    meter = customer.current_meter
    found = examine_token(customer=customer, token=token, purchased_at=purchased_at)
    if power_state != PowerState.ON:
        remaining_kwh = None
    kind = ticket_kind_for(
        power_state=power_state, remaining_kwh=remaining_kwh, old_key_token=found.old_key_token
    )
    call = TokenCall(
        customer=customer,
        unit_id=customer.unit_id,
        meter=meter,
        vkrn=meter.vkrn if meter else None,
        agent=actor,
        right_token=right_token,
        officer_visited=officer_visited,
        power_state=power_state,
        remaining_kwh=remaining_kwh,
        token=token,
        purchased_at=purchased_at,
        key_updated_at=found.key_updated_at,
        finding=found.finding,
        token_quantity=found.quantity,
        old_key_token=found.old_key_token,
        diagnosis="\n".join(str(line) for line in found.lines),
        note=note,
        submission=submission,
        ticket=_open_ticket(customer),
    )
    try:
        with transaction.atomic():
            call.save()
    except IntegrityError:
        # The same form key sent for another customer passed no common lock.
        ensure_call_not_recorded(submission)
        raise
    if call.ticket is not None:
        return _add_call(ticket=call.ticket, call=call, kind=kind, actor=actor)
    process = open_process(
        customer=customer,
        domain=Domain.COMPLAINTS,
        kind=str(TicketKind(kind).label),
        reference="",
        state=TicketState.OPEN,
        state_label=str(TicketState.OPEN.label),
        actor=actor,
        note=_("Token tidak bisa masuk. %(power)s. %(diag)s")
        % {"power": PowerState(power_state).label, "diag": call.diagnosis},
    )
    hours = ComplaintSettings.for_unit(customer.unit).sla_hours(kind)
    ticket = Ticket.objects.create(
        process=process,
        call=call,
        customer=customer,
        unit_id=customer.unit_id,
        kind=kind,
        suggested_cause=found.suggested_cause,
        due_at=process.opened_at + timedelta(hours=hours),
    )
    # The process is named by the ticket's number, which the agent and the ULP both know.
    process.reference = ticket.reference
    process.save(update_fields=["reference"])
    call.ticket = ticket
    call.save(update_fields=["ticket"])
    return ticket


def _open_ticket(customer) -> Ticket | None:
    """The customer's ticket whose complaint process is not finished (at most one: core's one
    open process per customer and domain); the wizard shows it (queries.open_ticket_for)."""
    return Ticket.objects.filter(customer=customer, process__is_open=True).first()


def ensure_call_not_recorded(submission: uuid.UUID | None) -> None:
    """Refuse a wizard form already sent once (a double click, the back button)."""
    if submission is None:
        return
    earlier = TokenCall.objects.select_related("ticket").filter(submission=submission).first()
    if earlier is not None:
        raise errors.CallAlreadyRecorded(earlier)


def _add_call(*, ticket: Ticket, call: TokenCall, kind: str, actor: User) -> Ticket:
    """The customer calls again while the ticket is open: the call joins it, audited."""
    lines = [
        _("Panggilan ke-%(n)s: %(power)s.")
        % {"n": ticket.calls.count(), "power": PowerState(call.power_state).label}
    ]
    if kind != ticket.kind:
        lines.append(_("Kondisi saat ini: %(k)s.") % {"k": TicketKind(kind).label})
    lines += [call.diagnosis, call.note]
    record_event(
        process=ticket.process,
        verb="complaints.call_added",
        actor=actor,
        to_state=ticket.state,
        note=" ".join(line for line in lines if line),
    )
    return ticket


def receipt_kwh(quantity: Decimal | None) -> Decimal:
    """The purchased kWh the agent reads from the customer's receipt, for a replacement made
    without the token number: above 0, in 0.1 kWh as the receipt prints, at most
    ``RECEIPT_MAX_KWH``."""
    if quantity is None:
        raise InvalidInput(
            "quantity",
            _("Isi kWh pembelian dari struk token pelanggan (jumlah kWh, bukan rupiah)."),
        )
    if not (0 < quantity <= RECEIPT_MAX_KWH) or quantity != quantity.quantize(Decimal("0.1")):
        raise InvalidInput(
            "quantity",
            _(
                "kWh pembelian harus lebih dari 0 dan paling banyak %(max)s kWh, dengan satu "
                "angka di belakang koma seperti di struk; yang diisi %(given)s."
            )
            % {"max": f"{RECEIPT_MAX_KWH:,}".replace(",", "."), "given": quantity},
        )
    return quantity


@transaction.atomic
def issue_replacement_token(
    *, actor: User, call: TokenCall, quantity: Decimal | None = None
) -> ReplacementToken:
    """A new-key token for an old-key purchase, once per purchase (seed 003, 7.d.2): for the kWh
    decoded from the token, or, when the token number was not given, for the kWh of the
    receipt (``receipt_kwh``)."""
    require_role(actor, CALL_CENTRE_ROLES)
    # Lock the customer, then the call: a double click makes one token, the other is refused.
    type(call.customer).objects.select_for_update().filter(pk=call.customer_id).first()
    call = (
        TokenCall.objects.select_for_update(of=("self",))
        .select_related("customer__unit", "meter", "ticket__process")
        .get(pk=call.pk)
    )
    key = key_for_vkrn(call.customer.unit, call.meter.vkrn) if call.meter else None
    if not call.old_key_token or key is None:
        raise errors.NoReplacement()
    if _replaced_before(call):
        raise errors.AlreadyReplaced()
    from_receipt = call.token_quantity is None
    kwh = receipt_kwh(quantity) if from_receipt else call.token_quantity
    token = credit_token_for(
        call.meter,
        key,
        kwh=kwh,
        clock=IssueClock(timezone.now()),
        cache=sts.DecoderKeyCache(maxsize=2),
    )
    replacement = ReplacementToken.objects.create(
        call=call,
        unit_id=call.unit_id,
        original_token=call.token or None,
        quantity=kwh,
        from_receipt=from_receipt,
        token=token,
        issued_by=actor,
    )
    if call.token:
        bought = _("token lama %(old)s") % {"old": sts.format_token(call.token)}
    else:
        bought = _("dibeli %(at)s") % {"at": _at(call.purchased_at, call_zone(call.customer))}
    source = _("kWh dari struk") if from_receipt else _("kWh dari token")
    record_event(
        verb="complaints.replacement_token",
        actor=actor,
        process=call.ticket.process if call.ticket_id else None,
        customer=call.customer,
        domain=Domain.COMPLAINTS,
        note=_("Token pengganti VKRN 43 untuk %(kwh)s kWh (%(source)s, %(bought)s)")
        % {"kwh": number(kwh), "source": source, "bought": bought},
    )
    return replacement


def _replaced_before(call: TokenCall) -> bool:
    """This call's purchase was replaced already: by this call, by the same token number, or,
    for a purchase known only by its time, by a call of the same customer at that time."""
    replacements = ReplacementToken.objects.all()
    if call.token:
        same = replacements.filter(original_token=call.token)
    else:
        same = replacements.filter(
            original_token__isnull=True,
            call__customer_id=call.customer_id,
            call__purchased_at=call.purchased_at,
        )
    return call.replacements.exists() or same.exists()


def _locked(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update(of=("self",)).select_related("process").get(pk=ticket.pk)
    )


@transaction.atomic
def assign_ticket(*, actor: User, ticket: Ticket, officer: User) -> Ticket:
    """Send the ticket's field visit to an officer of the unit."""
    require_role(actor, (RoleCode.ADMIN, RoleCode.UNIT_ADMIN, RoleCode.SUPERVISOR))
    ticket = _locked(ticket)
    if not can_proceed(ticket.assign):
        raise errors.TicketWrongState()
    ensure_field_officer_for(ticket.unit, officer, actor=actor)
    ticket.assign(to=officer)
    ticket.save()
    advance_process(
        process=ticket.process,
        to_state=ticket.state,
        state_label=str(TicketState.ASSIGNED.label),
        verb="complaints.assigned",
        actor=actor,
        note=_("Ditugaskan ke %(o)s") % {"o": officer.get_full_name() or officer},
    )
    return ticket


@transaction.atomic
def resolve_ticket(*, actor: User, ticket: Ticket, cause: str, resolution: str) -> Ticket:
    """Record what the cause was and what was done."""
    require_role(actor, HANDLER_ROLES)
    ticket = _locked(ticket)
    if not can_proceed(ticket.resolve):
        raise errors.TicketWrongState()
    ticket.resolve(cause=TicketCause(cause), resolution=resolution, when=timezone.now())
    ticket.save()
    advance_process(
        process=ticket.process,
        to_state=ticket.state,
        state_label=str(TicketState.RESOLVED.label),
        verb="complaints.resolved",
        actor=actor,
        note=f"{TicketCause(cause).label}. {resolution}".strip(),
    )
    return ticket


@transaction.atomic
def close_ticket(*, actor: User, ticket: Ticket) -> Ticket:
    """Close a handled ticket; this finishes the customer's complaint process."""
    require_role(actor, (*CALL_CENTRE_ROLES, RoleCode.UNIT_ADMIN, RoleCode.SUPERVISOR))
    ticket = _locked(ticket)
    if not can_proceed(ticket.close):
        raise errors.TicketWrongState()
    ticket.close(when=timezone.now())
    ticket.save()
    advance_process(
        process=ticket.process,
        to_state=ticket.state,
        state_label=str(TicketState.CLOSED.label),
        verb="complaints.closed",
        actor=actor,
        closes=True,
    )
    return ticket
