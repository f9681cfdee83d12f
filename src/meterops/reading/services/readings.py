"""Writes of the reading domain (seed 001 "Pengesahan Stan Meter", seed 004 "Perekaman data kWh").

State changes of many readings at once go through ``bulk.move``: one UPDATE ... WHERE state IN
<sources> and a snapshot of the moved rows into the readings' history (one statement on
PostgreSQL); steps decided per customer (a re-read request, a cancellation, a route change, a
field reading) also go onto the customer's timeline (core ProcessEvent, Cek Status Terakhir).
A single reading goes through its FSM transition. Pengesahan lives in ``approval``
beside this module; every public name of the domain's writes is importable from ``services``.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Avg, Case, Exists, F, Max, OuterRef, QuerySet, When
from django.utils import timezone
from django.utils.translation import gettext as _

from meterops.core.choices import Domain, RoleCode, UnitLevel
from meterops.core.errors import InvalidInput, WrongState
from meterops.core.models import Unit, User
from meterops.core.scoping import scoped
from meterops.core.services import record_event, require_role, require_unit
from meterops.customers.broken_meters import (
    BrokenMeterReading,
    broken_meter_codes,
    report_broken_meter_readings,
)
from meterops.customers.choices import PaymentMode
from meterops.customers.models import Customer, Route

from .. import validation
from ..bulk import move, save_one, snapshot
from ..choices import ReadingState
from ..errors import InvalidRoute, NothingToDo, ReadingLocked
from ..importer import ReadingRow
from ..models import (
    AnomalyCode,
    Reading,
    ReadingDay,
    ReadingSettings,
    RouteSchedule,
    previous_period,
)
from .approval import approval_pattern, ready_to_send

ROUTE_EDITORS = (RoleCode.ADMIN, RoleCode.UNIT_ADMIN, RoleCode.SUPERVISOR)
SETTINGS_EDITORS = (RoleCode.ADMIN, RoleCode.UNIT_ADMIN)
UPLOADERS = (RoleCode.ADMIN, RoleCode.CONTRACTOR_ADMIN)
VENDOR_VERIFIERS = (RoleCode.ADMIN, RoleCode.CONTRACTOR_ADMIN)
SUPERVISOR_VERIFIERS = (RoleCode.ADMIN, RoleCode.SUPERVISOR)
REREAD_REQUESTERS = (RoleCode.ADMIN, RoleCode.CONTRACTOR_ADMIN, RoleCode.SUPERVISOR)
SENDERS = (RoleCode.ADMIN, RoleCode.CONTRACTOR_ADMIN)


# --- Routes and reading days ---------------------------------------------------------------


@transaction.atomic
def save_reading_day(
    *, actor: User, unit: Unit, code: str, day_of_month: int, name: str = "", reading_day=None
) -> ReadingDay:
    """Create or change a reading-day group (kode kelompok hari baca) of a ULP."""
    require_role(actor, ROUTE_EDITORS)
    require_unit(actor, unit)
    if unit.level != UnitLevel.SERVICE_POINT:
        raise InvalidRoute("unit", _("Hari baca hanya dibuat untuk ULP."))
    if reading_day is None:
        reading_day = ReadingDay(unit=unit)
    else:
        reading_day = ReadingDay.objects.select_for_update().get(pk=reading_day.pk)
    reading_day.code, reading_day.day_of_month, reading_day.name = code, day_of_month, name
    reading_day._history_user = actor
    reading_day.full_clean()
    reading_day.save()
    return reading_day


@transaction.atomic
def schedule_route(*, actor: User, route: Route, reading_day: ReadingDay) -> RouteSchedule:
    """Put an RBM in a reading-day group of its own ULP (moving it out of any other)."""
    require_role(actor, ROUTE_EDITORS)
    require_unit(actor, route.unit)
    if route.unit_id != reading_day.unit_id:
        raise InvalidRoute("reading_day", _("RBM dan hari baca harus dari ULP yang sama."))
    schedule = RouteSchedule.objects.select_for_update().filter(route=route).first()
    schedule = schedule or RouteSchedule(route=route)
    schedule.reading_day = reading_day
    schedule._history_user = actor
    schedule.save()
    return schedule


@transaction.atomic
def move_customer(*, actor: User, customer: Customer, route: Route, sequence: int) -> Customer:
    """Put a customer at ``sequence`` of an RBM of its ULP; those at or after it shift down."""
    require_role(actor, ROUTE_EDITORS)
    require_unit(actor, customer.unit)
    if route.unit_id != customer.unit_id:
        raise InvalidRoute("route", _("RBM tujuan harus dari ULP pelanggan."))
    if sequence < 1:
        raise InvalidRoute("sequence", _("Urutan baca mulai dari 1."))
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    before = f"{customer.route or '-'}/{customer.route_sequence or '-'}"
    taken = Customer.objects.filter(route=route, route_sequence__gte=sequence).exclude(
        pk=customer.pk
    )
    if taken.filter(route_sequence=sequence).exists():
        taken.update(route_sequence=F("route_sequence") + 1)
    customer.route, customer.route_sequence = route, sequence
    customer._history_user = actor
    customer.save(update_fields=["route", "route_sequence", "updated_at"])
    record_event(
        customer=customer,
        domain=Domain.READING,
        verb="reading.route_changed",
        actor=actor,
        note=_("RBM/urutan %(before)s → %(route)s/%(seq)s")
        % {"before": before, "route": route.code, "seq": sequence},
    )
    return customer


# A unit's first own row starts from what it inherited (every parameter and the pattern).
INHERITED_SETTINGS = (
    "average_factor",
    "window_days",
    "register_digits",
    "approval_scope",
    "supervisor_verification_required",
    "billing_pulls_postings",
)


@transaction.atomic
def update_reading_settings(*, actor: User, unit: Unit, values: dict) -> ReadingSettings:
    """Save a unit's reading parameters (N× average, day window, register digits) and its pola
    pengesahan (seed 001), audited; units below without their own row inherit them."""
    require_role(actor, SETTINGS_EDITORS)
    require_unit(actor, unit)
    row = ReadingSettings.objects.select_for_update().filter(unit=unit).first()
    if row is None:
        inherited = ReadingSettings.for_unit(unit)
        row = ReadingSettings(
            unit=unit,
            **{name: getattr(inherited, name) for name in INHERITED_SETTINGS},
        )
    for name, value in values.items():
        setattr(row, name, value)
    row._history_user = actor
    row.full_clean()
    row.save()
    return row


# --- Readings arrive -----------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    replaced: int = 0
    reading_days: list[ReadingDay] = field(default_factory=list)


@transaction.atomic
def write_reading_rows(
    *, actor: User, period: str, rows: list[ReadingRow]
) -> tuple[ImportResult, list[tuple[int, str, str]]]:
    """The upload pipeline's apply (reading.uploads): write the rows the upload rules accept
    now, and return (row, column, reason) of those they refuse (e.g. approved meanwhile)."""
    readings, existing, errors = _check_rows(actor, period, rows)
    refused = {row for row, _column, _reason in errors}
    kept = {row.customer_id for row in rows if row.row not in refused}
    existing = {key: state for key, state in existing.items() if key in kept}
    return _write_readings(actor, period, readings, existing), errors


def _check_rows(actor: User, period: str, rows: list[ReadingRow]):
    """The upload rules for every row (reading_row_problem), the existing readings locked."""
    require_role(actor, UPLOADERS)
    errors: list[tuple[int, str, str]] = []
    ids = [row.customer_id for row in rows]
    customers = {
        c.customer_id: c
        for c in scoped(Customer, actor)
        .filter(customer_id__in=ids)
        .select_related("route__schedule")
    }
    existing = {
        customer_id: state
        for customer_id, state in Reading.objects.select_for_update(of=("self",))
        .filter(period=period, customer__customer_id__in=ids)
        .values_list("customer__customer_id", "state")
    }
    anomalies = dict(AnomalyCode.objects.filter(is_active=True).values_list("code", "pk"))
    seen: set[str] = set()
    readings = []
    for row in rows:
        customer = customers.get(row.customer_id)
        problem = reading_row_problem(row, customer, seen, existing, anomalies)
        seen.add(row.customer_id)
        if problem:
            errors.append((row.row, *problem))
            continue
        readings.append(_reading_from_row(row, customer, period, anomalies))
    return readings, existing, errors


def _write_readings(actor: User, period: str, readings: list[Reading], existing) -> ImportResult:
    started = timezone.now()
    Reading.objects.bulk_create(
        readings,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["customer", "period"],
        update_fields=[*UPLOAD_FIELDS, "state", "reread_reason", "updated_at"],
    )
    days = ReadingDay.objects.filter(pk__in={r.reading_day_id for r in readings}).select_related(
        "unit"
    )
    for reading_day in days:
        validation.validate_readings(reading_day=reading_day, period=period)
        snapshot(
            Reading.objects.filter(reading_day=reading_day, period=period, updated_at__gte=started),
            verb="reading.read",
            actor=actor,
            note=_("Stan BLTH %(p)s diunggah") % {"p": period},
        )
    written = Reading.objects.filter(reading_day__in=days, period=period, updated_at__gte=started)
    report_broken_meters(actor=actor, readings=written)
    return ImportResult(
        created=len(readings) - len(existing),
        replaced=len(existing),
        reading_days=list(days),
    )


UPLOAD_FIELDS = [
    "unit",
    "reading_day",
    "register_kwh",
    "read_at",
    "reader",
    "anomaly",
    "photo",
    "latitude",
    "longitude",
    "old_meter_final_kwh",
    "new_meter_initial_kwh",
    "power_va",
    "is_estimate",
]


def reading_row_problem(row, customer, seen, existing, anomalies) -> tuple[str, str] | None:
    """The upload rules of one row (seed 004): known IDPEL of the unit, once, postpaid, on a
    scheduled RBM, not approved yet, a known LBKB code; (column, reason) or None."""
    if row.customer_id in seen:
        return "IDPEL", _("IDPEL %(id)s muncul lebih dari sekali.") % {"id": row.customer_id}
    if customer is None:
        return "IDPEL", _("IDPEL %(id)s tidak ada di unit Anda.") % {"id": row.customer_id}
    if customer.payment_mode != PaymentMode.POSTPAID:
        return "IDPEL", _("Pelanggan prabayar tidak dibaca meternya.")
    schedule = getattr(customer.route, "schedule", None) if customer.route else None
    if schedule is None:
        return "IDPEL", _("Pelanggan belum masuk RBM yang terjadwal di hari baca.")
    if existing.get(row.customer_id) == ReadingState.APPROVED:
        return "IDPEL", _("Stan BLTH ini sudah disahkan; batalkan pengesahan dulu.")
    if row.anomaly_code and row.anomaly_code not in anomalies:
        return "LBKB", _("Kode LBKB %(c)s tidak dikenal.") % {"c": row.anomaly_code}
    return None


def _reading_from_row(row: ReadingRow, customer: Customer, period: str, anomalies) -> Reading:
    return Reading(
        customer=customer,
        unit_id=customer.unit_id,
        reading_day_id=customer.route.schedule.reading_day_id,
        period=period,
        register_kwh=row.register_kwh,
        read_at=row.read_at,
        reader=row.reader,
        anomaly_id=anomalies.get(row.anomaly_code),
        photo=row.photo,
        latitude=row.latitude,
        longitude=row.longitude,
        old_meter_final_kwh=row.old_meter_final_kwh,
        new_meter_initial_kwh=row.new_meter_initial_kwh,
        power_va=customer.power_va,
    )


@transaction.atomic
def submit_reading(
    *,
    actor: User,
    customer: Customer,
    period: str,
    register_kwh: Decimal,
    read_at,
    reader: str = "",
    anomaly: AnomalyCode | None = None,
    photo=None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> Reading:
    """One reading from the field app (the mobile API calls this); a re-read replaces it."""
    require_role(actor, (RoleCode.FIELD_OFFICER, *UPLOADERS))
    require_unit(actor, customer.unit)
    row = ReadingRow(
        row=1,
        customer_id=customer.customer_id,
        register_kwh=register_kwh,
        read_at=read_at,
        reader=reader or actor.get_full_name() or actor.username,
        anomaly_code=anomaly.code if anomaly else "",
        latitude=latitude,
        longitude=longitude,
    )
    customer = Customer.objects.select_related("route__schedule").get(pk=customer.pk)
    reading = Reading.objects.select_for_update().filter(customer=customer, period=period).first()
    existing = {customer.customer_id: reading.state} if reading else {}
    anomalies = {anomaly.code: anomaly.pk} if anomaly else {}
    problem = reading_row_problem(row, customer, set(), existing, anomalies)
    if problem:
        raise (ReadingLocked if reading and reading.state == ReadingState.APPROVED else WrongState)(
            problem[1]
        )
    fresh = _reading_from_row(row, customer, period, anomalies)
    from_state = ""
    if reading is None:
        reading = fresh
    else:
        from_state = reading.state
        for name in UPLOAD_FIELDS:
            setattr(reading, name, getattr(fresh, name))
        reading.reread()
    if photo is not None:
        reading.photo = photo
    reading.full_clean(exclude=["customer", "unit", "reading_day", "posting", "state"])
    save_one(reading, verb="reading.read", from_state=from_state, actor=actor)
    validation.validate_readings(
        reading_day=reading.reading_day, period=period, only=Reading.objects.filter(pk=reading.pk)
    )
    report_broken_meters(actor=actor, readings=Reading.objects.filter(pk=reading.pk))
    reading.refresh_from_db()
    return reading


def report_broken_meters(*, actor: User, readings: QuerySet) -> None:
    """Hand HOME those of ``readings`` whose LBKB code says the meter is broken, in one query:
    HOME opens or joins their customers' targets, once per reading (issue #23; the codes are
    HOME's ``damage_type_code_for_anomaly``)."""
    codes = broken_meter_codes()
    if not codes:
        return
    rows = readings.filter(anomaly__code__in=codes).values_list(
        "customer_id", "period", "anomaly__code", "anomaly__label", "register_kwh"
    )
    report_broken_meter_readings(
        actor=actor, readings=[BrokenMeterReading(*row) for row in rows.order_by()]
    )


@transaction.atomic
def estimate_missing_readings(*, actor: User, reading_day: ReadingDay, period: str) -> int:
    """Fill each unread customer of the day with an estimate: last stan + 3-month average."""
    require_role(actor, (*UPLOADERS, RoleCode.SUPERVISOR))
    require_unit(actor, reading_day.unit)
    missing = reading_day.customers(period).exclude(
        Exists(Reading.objects.filter(customer=OuterRef("pk"), period=period))
    )
    last = previous_period(period)
    history = (
        Reading.objects.filter(
            customer__in=missing.values("pk"),
            period__in=[previous_period(period, n) for n in (1, 2, 3)],
        )
        .values("customer_id")
        .annotate(
            prev=Max(Case(When(period=last, then="register_kwh"))),
            avg=Avg("consumption_kwh"),
        )
        .filter(prev__isnull=False, avg__isnull=False)
        .order_by()
    )
    found = {row["customer_id"]: row for row in history}
    customers = missing.filter(pk__in=found).values("pk", "unit_id", "power_va").order_by()
    started = timezone.now()
    Reading.objects.bulk_create(
        [
            Reading(
                customer_id=c["pk"],
                unit_id=c["unit_id"],
                reading_day=reading_day,
                period=period,
                register_kwh=found[c["pk"]]["prev"] + found[c["pk"]]["avg"],
                power_va=c["power_va"],
                is_estimate=True,
                reader=_("taksiran"),
            )
            for c in customers
        ],
        batch_size=2000,
    )
    estimates = Reading.objects.filter(
        reading_day=reading_day, period=period, is_estimate=True, created_at__gte=started
    )
    validation.validate_readings(reading_day=reading_day, period=period, only=estimates)
    snapshot(estimates, verb="reading.estimated", actor=actor, note=_("Stan ditaksir"))
    return len(found)


# --- Verification and sending --------------------------------------------------------------


@transaction.atomic
def verify_readings_as_vendor(*, actor: User, readings: QuerySet) -> int:
    """Admin vendor accepts read readings (first verification, issue 7 step 4)."""
    require_role(actor, VENDOR_VERIFIERS)
    return move(
        scoped(readings, actor),
        method=Reading.verify_by_vendor,
        verb="reading.vendor_verified",
        actor=actor,
    )


@transaction.atomic
def verify_readings_as_supervisor(*, actor: User, readings: QuerySet) -> int:
    """PLN's pengawas accepts readings the vendor verified (second verification)."""
    require_role(actor, SUPERVISOR_VERIFIERS)
    return move(
        scoped(readings, actor),
        method=Reading.verify_by_supervisor,
        verb="reading.verified",
        actor=actor,
    )


@transaction.atomic
def request_rereads(*, actor: User, readings: QuerySet, reason: str) -> int:
    """Send readings back to the field for re-reading, with the reason."""
    require_role(actor, REREAD_REQUESTERS)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason", _("Isi alasan baca ulang."))
    return move(
        scoped(readings, actor),
        method=Reading.request_reread,
        verb="reading.reread_requested",
        actor=actor,
        note=reason,
        events=True,
        reread_reason=reason[:255],
    )


def readings_to_send(*, reading_day: ReadingDay, period: str) -> QuerySet[Reading]:
    """What Kirim ke AP2T sends: the day's readings verified as the unit's pattern asks."""
    ready = ready_to_send(approval_pattern(reading_day))
    return Reading.objects.filter(reading_day=reading_day, period=period, state__in=ready)


@transaction.atomic
def send_reading_day(*, actor: User, reading_day: ReadingDay, period: str) -> int:
    """Kirim ke AP2T: the vendor sends a day's verified readings to be approved (verified by
    the pengawas, or by the vendor alone where the unit's pola pengesahan allows)."""
    require_role(actor, SENDERS)
    require_unit(actor, reading_day.unit)
    count = move(
        readings_to_send(reading_day=reading_day, period=period),
        method=Reading.send,
        verb="reading.sent",
        actor=actor,
    )
    if not count:
        raise NothingToDo(_("Tidak ada stan terverifikasi yang bisa dikirim."))
    return count
