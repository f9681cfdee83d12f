"""Writes of the supervision of contractors' field work (seed 004, "Pengawasan Baca Meter").

Every rule of the seed is one named function here (the pure ones first), every order of any
kind goes through FieldOrder's one state machine (issued → assigned → done/failed → verified),
and every write that matters is one atomic service with an audit event on the customer's
timeline (Cek Status Terakhir).
"""

import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from meterops.core.choices import Domain, RoleCode, UnitLevel
from meterops.core.errors import DomainError
from meterops.core.models import Contractor, ProcessEvent, Unit, User
from meterops.core.scoping import scoped, visible_unit_ids
from meterops.core.services import record_event
from meterops.customers.choices import PaymentMode
from meterops.customers.models import Customer, Route, Substation
from meterops.reading.models import AnomalyCode, Reading

from .choices import (
    OPEN_STATES,
    NoticeMaterial,
    NoticeOutcome,
    OrderKind,
    OrderState,
    ProposalState,
)
from .models import Arrears, AuditMonth, AuditSample, Campaign, FieldOrder, MoveProposal

ISSUERS = (RoleCode.ADMIN, RoleCode.UNIT_ADMIN, RoleCode.SUPERVISOR)
ASSIGNERS = (*ISSUERS, RoleCode.CONTRACTOR_ADMIN)
RECORDERS = (RoleCode.ADMIN, RoleCode.SUPERVISOR, RoleCode.FIELD_OFFICER, RoleCode.CONTRACTOR_ADMIN)
VERIFIERS = ISSUERS
ARREARS_UPLOADERS = (*ISSUERS, RoleCode.HELPDESK)
DISCONNECTION_NOTICE_BILLS = 2  # seed 004 §VI notes: tunggakan >= 2 lembar
DISMANTLING_BILLS = 3  # >= 3 lembar ...
DISMANTLING_DAYS = 60  # ... 60 hari sejak tanggal pemutusan sementara
CLOSED_HOUSE_CODES = ("RK", "PT")  # LBKB codes of a closed house: TUL II-04 is left there


class FieldworkError(DomainError):
    code = "fieldwork_refused"


class AlreadyPaid(FieldworkError):
    code = "already_paid"


class BatchRejected(FieldworkError):
    code = "batch_rejected"


# --- Rules of the seed, one named function each ------------------------------------------


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


def is_reading_accurate(*, read_kwh: Decimal, checked_kwh: Decimal, tolerance: Decimal) -> bool:
    """A sampled reading is accurate when the re-check is within the unit's tolerance (§I)."""
    return abs(checked_kwh - read_kwh) <= tolerance


def schedule_deviation(*, read_at: datetime, scheduled_on: date, zone: str) -> int:
    """Days between the reading and the route's scheduled day, counted in local dates."""
    return (read_at.astimezone(ZoneInfo(zone)).date() - scheduled_on).days


def is_on_schedule(*, deviation_days: int | None, tolerance_days: int) -> bool:
    """Konsistensi jadwal baca: within ± tolerance of the route's reading day (§I)."""
    return deviation_days is not None and abs(deviation_days) <= tolerance_days


def stratum_sample(
    ids: list[int], *, percent: Decimal, minimum: int, seed: int, stratum: str
) -> list[int]:
    """Draw a stratum's sample: ceil(percent) of its readings, at least ``minimum``.

    Reproducible: the same seed, stratum and ids give the same sample, whatever the order
    the database returned the ids in, and each stratum draws from its own generator.
    """
    if not ids:
        return []
    wanted = math.ceil(len(ids) * Decimal(percent) / 100)
    size = min(len(ids), max(wanted, minimum))
    return random.Random(f"{seed}:{stratum}").sample(sorted(ids), size)


# --- Helpers ------------------------------------------------------------------------------


def _require_role(actor: User, roles) -> None:
    if not actor.has_role(*roles):
        raise FieldworkError(_("Peran Anda tidak berhak melakukan tindakan ini."))


def _require_unit(actor: User, unit: Unit) -> None:
    allowed = visible_unit_ids(actor)
    if allowed is not None and unit.pk not in allowed:
        raise FieldworkError(_("Unit ini di luar wilayah Anda."))


def _zone(unit: Unit) -> str:
    return unit.settings_or_default().time_zone


def _locked(order: FieldOrder, actor: User, *kinds: str) -> FieldOrder:
    locked = (
        scoped(FieldOrder, actor)
        .select_for_update(of=("self",))
        .select_related("customer")
        .filter(pk=order.pk)
        .first()
    )
    if locked is None:
        raise FieldworkError(_("Order tidak ditemukan di unit Anda."))
    if kinds and locked.kind not in kinds:
        raise FieldworkError(
            _("Order %(ref)s bukan order %(kind)s.")
            % {"ref": locked.reference, "kind": OrderKind(kinds[0]).label}
        )
    return locked


def _refuse_stale(order: FieldOrder, action: str) -> None:
    raise FieldworkError(
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


def _photo(upload, unit: Unit, stem: str) -> ContentFile:
    """Check a photo (JPEG/PNG, size) the way HOME does and return the stored copy."""
    from meterops.replacement.photos import prepare_photo

    prepared = prepare_photo(upload, zone=ZoneInfo(_zone(unit)))
    return ContentFile(prepared.image.read(), name=f"{stem}.jpg")


def _require_photo(photo) -> None:
    if photo is None:
        raise FieldworkError(_("Foto wajib dilampirkan."))


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


# --- The one state machine: assignment, failure, verification -----------------------------


def officers_for(actor: User, unit: Unit) -> QuerySet[User]:
    """Field officers who may take orders of ``unit``: the unit's own and its contractors'."""
    path_codes = unit.path.split("/")
    return (
        User.objects.filter(is_active=True, roles__code=RoleCode.FIELD_OFFICER)
        .filter(
            Q(unit__code__in=path_codes)
            | Q(contractor__units__code__in=path_codes)
            | Q(unit__path__startswith=f"{unit.path}/")
        )
        .distinct()
        .order_by("username")
    )


@transaction.atomic
def assign_orders(*, actor: User, orders: QuerySet, officer: User) -> int:
    """Distribute orders to a field officer (the contractor's admin or PLN's supervisor)."""
    _require_role(actor, ASSIGNERS)
    if not officer.has_role(RoleCode.FIELD_OFFICER):
        raise FieldworkError(_("%(u)s bukan petugas lapangan.") % {"u": officer})
    count = 0
    for order in (
        scoped(orders, actor).select_for_update(of=("self",)).select_related("customer", "unit")
    ):
        if not officers_for(actor, order.unit).filter(pk=officer.pk).exists():
            raise FieldworkError(
                _("%(u)s tidak bekerja untuk %(unit)s.") % {"u": officer, "unit": order.unit}
            )
        if not can_proceed(order.assign):
            _refuse_stale(order, _("ditugaskan"))
        from_state = order.state
        order.assign(officer=officer)
        order.save()
        _event(
            order,
            actor,
            "order_assigned",
            from_state,
            note=_("Ditugaskan ke %(u)s") % {"u": officer.get_full_name() or officer.username},
        )
        count += 1
    return count


def _check_recorder(actor: User, order: FieldOrder) -> None:
    _require_role(actor, RECORDERS)
    if (
        actor.has_role(RoleCode.FIELD_OFFICER)
        and not actor.is_superuser
        and order.assigned_to_id not in (None, actor.pk)
        and not actor.has_role(RoleCode.SUPERVISOR, RoleCode.CONTRACTOR_ADMIN)
    ):
        raise FieldworkError(
            _("Order %(ref)s ditugaskan ke petugas lain.") % {"ref": order.reference}
        )


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
        raise FieldworkError(_("Isi alasan order gagal."))
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
    _require_role(actor, VERIFIERS)
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


# --- 1. Reading audits: sampling, schedule consistency, accuracy ---------------------------


def _contractor_of(unit: Unit) -> Contractor | None:
    codes = unit.path.split("/")
    return (
        Contractor.objects.filter(is_active=True, units__code__in=codes)
        .order_by("-units__path")
        .first()
    )


@transaction.atomic
def draw_audit_sample(
    *, actor: User, unit: Unit, period: str, seed: int | None = None
) -> AuditMonth:
    """Sampling per RBM (seed 004 §I): each route-and-reader stratum of the ULP's readings of
    ``period`` gives its seeded share; each sampled reading is checked against its schedule."""
    _require_role(actor, ISSUERS)
    _require_unit(actor, unit)
    if unit.level != UnitLevel.SERVICE_POINT:
        raise FieldworkError(_("Audit dilakukan per ULP; pilih sebuah ULP."))
    if AuditMonth.objects.filter(unit=unit, period=period).exists():
        raise FieldworkError(
            _("Sampel audit %(p)s untuk %(u)s sudah diambil.") % {"p": period, "u": unit}
        )
    settings = unit.settings_or_default()
    seed = int(seed if seed is not None else f"{period}{unit.code}"[-9:])
    rows = list(
        Reading.objects.filter(unit=unit, period=period, is_estimate=False)
        .order_by()
        .values_list("pk", "customer__route_id", "reader")
    )
    strata: dict[tuple, list[int]] = defaultdict(list)
    for pk, route_id, reader in rows:
        strata[(route_id, reader)].append(pk)
    chosen: list[int] = []
    for (route_id, reader), ids in strata.items():
        chosen.extend(
            stratum_sample(
                ids,
                percent=settings.audit_sample_percent,
                minimum=settings.audit_sample_minimum,
                seed=seed,
                stratum=f"{route_id}:{reader}",
            )
        )
    audit = AuditMonth.objects.create(
        unit=unit,
        period=period,
        contractor=_contractor_of(unit),
        seed=seed,
        sample_percent=settings.audit_sample_percent,
        sample_minimum=settings.audit_sample_minimum,
        schedule_tolerance_days=settings.audit_schedule_tolerance_days,
        accuracy_tolerance_kwh=settings.audit_accuracy_tolerance_kwh,
        population=len(rows),
        drawn_by=actor,
    )
    _insert_samples(audit, chosen, settings.time_zone)
    return audit


def _insert_samples(audit: AuditMonth, chosen: list[int], zone: str) -> None:
    """Write the sample rows, each with its schedule check: on PostgreSQL one
    INSERT ... SELECT (the same rules in SQL: local date minus scheduled date), elsewhere
    bulk_create in batches."""
    from meterops.reading.models import ReadingDay

    days = {d.pk: d for d in ReadingDay.objects.filter(unit=audit.unit)}
    scheduled = {pk: day.scheduled_date(audit.period) for pk, day in days.items()}
    if connection.vendor == "postgresql":
        _insert_samples_sql(audit, chosen, zone, scheduled)
        return
    batch = 5000
    for start in range(0, len(chosen), batch):
        part = chosen[start : start + batch]
        samples = []
        for r in (
            Reading.objects.filter(pk__in=part)
            .order_by()
            .values(
                "pk",
                "customer_id",
                "customer__route_id",
                "reader",
                "register_kwh",
                "read_at",
                "reading_day_id",
            )
        ):
            on = scheduled.get(r["reading_day_id"])
            deviation = (
                schedule_deviation(read_at=r["read_at"], scheduled_on=on, zone=zone)
                if r["read_at"] and on
                else None
            )
            samples.append(
                AuditSample(
                    audit=audit,
                    reading_id=r["pk"],
                    customer_id=r["customer_id"],
                    route_id=r["customer__route_id"],
                    reader=r["reader"],
                    register_kwh=r["register_kwh"],
                    read_at=r["read_at"],
                    scheduled_on=on,
                    deviation_days=deviation,
                    on_schedule=is_on_schedule(
                        deviation_days=deviation, tolerance_days=audit.schedule_tolerance_days
                    ),
                )
            )
        AuditSample.objects.bulk_create(samples, batch_size=batch)


def _insert_samples_sql(
    audit: AuditMonth, chosen: list[int], zone: str, scheduled: dict[int, date]
) -> None:
    deviation = "((r.read_at AT TIME ZONE %s)::date - d.scheduled_on)"
    sql = (
        f"INSERT INTO {AuditSample._meta.db_table} (audit_id, reading_id, customer_id,"  # noqa: S608
        " route_id, reader, register_kwh, read_at, scheduled_on, deviation_days, on_schedule)"
        " SELECT %s, r.id, r.customer_id, c.route_id, r.reader, r.register_kwh, r.read_at,"
        f" d.scheduled_on, {deviation}, abs({deviation}) <= %s"
        f" FROM {Reading._meta.db_table} r"
        f" JOIN {Customer._meta.db_table} c ON c.id = r.customer_id"
        " LEFT JOIN unnest(%s::bigint[], %s::date[]) AS d(day_id, scheduled_on)"
        " ON d.day_id = r.reading_day_id"
        " WHERE r.id = ANY(%s::bigint[])"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                audit.pk,
                zone,
                zone,
                audit.schedule_tolerance_days,
                list(scheduled),
                list(scheduled.values()),
                chosen,
            ],
        )


@transaction.atomic
def issue_accuracy_orders(*, actor: User, audit: AuditMonth) -> int:
    """Sampling keakurasian: one re-check order per sampled customer (seed 004 §I)."""
    _require_role(actor, ISSUERS)
    _require_unit(actor, audit.unit)
    samples = audit.samples.filter(order__isnull=True).values_list("pk", "customer_id")
    existing = set(
        FieldOrder.objects.filter(
            kind=OrderKind.ACCURACY_CHECK,
            state__in=OPEN_STATES,
            customer_id__in=audit.samples.values("customer_id"),
        ).values_list("customer_id", flat=True)
    )
    now = timezone.now()
    orders = [
        FieldOrder(
            unit=audit.unit,
            customer_id=c,
            kind=OrderKind.ACCURACY_CHECK,
            sample_id=s,
            issued_by=actor,
            issued_at=now,
        )
        for s, c in samples
        if c not in existing
    ]
    FieldOrder.objects.bulk_create(orders, batch_size=2000)
    _events_for(
        FieldOrder.objects.filter(sample__audit=audit, issued_at=now),
        actor,
        "order_issued",
        str(OrderKind.ACCURACY_CHECK.label),
    )
    return len(orders)


@transaction.atomic
def record_accuracy_check(
    *, actor: User, order: FieldOrder, register_kwh: Decimal, photo, at: datetime | None = None
) -> FieldOrder:
    """The checker records the register value and a photo; accuracy is judged at once."""
    order = _locked(order, actor, OrderKind.ACCURACY_CHECK)
    _check_recorder(actor, order)
    _require_photo(photo)
    sample = AuditSample.objects.select_for_update().select_related("audit").get(pk=order.sample_id)
    order.register_kwh = register_kwh
    order.photo = _photo(photo, order.unit, f"cek_{order.customer.customer_id}")
    accurate = is_reading_accurate(
        read_kwh=sample.register_kwh,
        checked_kwh=register_kwh,
        tolerance=sample.audit.accuracy_tolerance_kwh,
    )
    _complete(
        order,
        actor,
        at or timezone.now(),
        "accuracy_checked",
        _("Akurat") if accurate else _("Tidak akurat"),
    )
    sample.checked_kwh, sample.accurate = register_kwh, accurate
    sample.save(update_fields=["checked_kwh", "accurate"])
    return order


# --- 2. Prepaid sampling (seed 004 §III) ----------------------------------------------------


@transaction.atomic
def issue_prepaid_sampling_orders(*, actor: User, customers: QuerySet) -> int:
    """PLN picks prepaid customers to check; one sampling order each."""
    _require_role(actor, ISSUERS)
    customers = scoped(customers, actor).filter(payment_mode=PaymentMode.PREPAID)
    return _issue(
        actor=actor,
        customers=customers,
        kind=OrderKind.PREPAID_SAMPLING,
        verb="order_issued",
        note=str(OrderKind.PREPAID_SAMPLING.label),
    )


@transaction.atomic
def record_prepaid_sampling(
    *,
    actor: User,
    order: FieldOrder,
    credit_kwh: Decimal,
    photo,
    anomaly: AnomalyCode | None,
    latitude: Decimal | None,
    longitude: Decimal | None,
) -> FieldOrder:
    """Sisa token, its photo, the LBKB anomaly and the meter's coordinates (seed 004 §III)."""
    order = _locked(order, actor, OrderKind.PREPAID_SAMPLING)
    _check_recorder(actor, order)
    _require_photo(photo)
    if latitude is None or longitude is None:
        raise FieldworkError(_("Koordinat APP (X dan Y) wajib diisi."))
    order.credit_kwh, order.anomaly = credit_kwh, anomaly
    order.latitude, order.longitude = latitude, longitude
    order.photo = _photo(photo, order.unit, f"token_{order.customer.customer_id}")
    _complete(
        order, actor, timezone.now(), "prepaid_sampled", f"LBKB {anomaly.code}" if anomaly else ""
    )
    return order


@transaction.atomic
def anomaly_to_replacement_target(*, actor: User, order: FieldOrder, damage_type) -> FieldOrder:
    """One action: a prepaid sampling anomaly becomes an Ex DG target in HOME (seed 000)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from meterops.replacement.choices import TargetSource
    from meterops.replacement.services import DamageReport, report_damage

    order = _locked(order, actor, OrderKind.PREPAID_SAMPLING)
    if order.state not in (OrderState.DONE, OrderState.VERIFIED) or order.anomaly_id is None:
        raise FieldworkError(
            _(
                "Hanya sampling prabayar yang selesai dengan LBKB yang dapat "
                "dijadikan target ganti meter."
            )
        )
    if order.replacement_target_id:
        raise FieldworkError(
            _("Order ini sudah menjadi target %(ref)s.")
            % {"ref": order.replacement_target.reference}
        )
    with order.photo.open("rb") as f:
        photo = SimpleUploadedFile(order.photo.name.rsplit("/", 1)[-1], f.read(), "image/jpeg")
    target = report_damage(
        actor=actor,
        customer=order.customer,
        report=DamageReport(
            damage_type=damage_type,
            source=TargetSource.FAULT,
            from_reading_anomaly=True,
            notes=_("Dari sampling prabayar %(ref)s, LBKB %(code)s")
            % {"ref": order.reference, "code": order.anomaly},
            latitude=order.latitude,
            longitude=order.longitude,
        ),
        photos=[photo],
    )
    order.replacement_target = target
    order.save(update_fields=["replacement_target", "updated_at"])
    _event(order, actor, "anomaly_to_target", order.state, target.reference)
    return order


# --- 3. Route and substation updating (seed 004 §IV) ---------------------------------------


def route_substation_mismatches(customers: QuerySet) -> list[dict]:
    """Pencocokan data pelanggan per RBM dengan per gardu: a customer whose substation is not
    the one most of its route's customers hang on, or who lacks a route or a substation."""
    counts = (
        customers.filter(route__isnull=False, substation__isnull=False)
        .values("route_id", "substation_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    main: dict[int, tuple[int, int]] = {}
    for row in counts:
        best = main.get(row["route_id"])
        if best is None or (row["n"], -row["substation_id"]) > (best[1], -best[0]):
            main[row["route_id"]] = (row["substation_id"], row["n"])
    odd = Q(route__isnull=True) | Q(substation__isnull=True)
    for route_id, (substation_id, _n) in main.items():
        odd |= Q(route_id=route_id) & ~Q(substation_id=substation_id)
    rows = []
    subs = dict(
        Substation.objects.filter(pk__in=[s for s, _ in main.values()]).values_list("pk", "code")
    )
    for c in (
        customers.filter(odd)
        .select_related("route", "substation")
        .order_by("route__code", "route_sequence", "customer_id")[:2000]
    ):
        expected = main.get(c.route_id)
        rows.append(
            {
                "customer": c,
                "expected_substation": subs.get(expected[0]) if expected else None,
                "reason": (
                    _("Tanpa RBM")
                    if c.route_id is None
                    else _("Tanpa gardu")
                    if c.substation_id is None
                    else _("Gardu berbeda dari RBM")
                ),
            }
        )
    return rows


@transaction.atomic
def issue_survey_orders(*, actor: User, customers: QuerySet) -> int:
    """Survey ke lokasi pelanggan (gardu) for the mismatches (seed 004 §IV, step 4)."""
    _require_role(actor, ISSUERS)
    return _issue(
        actor=actor,
        customers=scoped(customers, actor),
        kind=OrderKind.SURVEY,
        verb="order_issued",
        note=str(OrderKind.SURVEY.label),
    )


@transaction.atomic
def record_survey(
    *,
    actor: User,
    order: FieldOrder,
    route: Route | None,
    substation: Substation | None,
    sequence: int | None,
    note: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> FieldOrder:
    """The surveyor records where the customer really is; a difference becomes a proposal."""
    order = _locked(order, actor, OrderKind.SURVEY)
    _check_recorder(actor, order)
    customer = order.customer
    for obj in (route, substation):
        if obj is not None and obj.unit_id != customer.unit_id:
            raise FieldworkError(_("RBM/gardu %(o)s bukan milik ULP pelanggan.") % {"o": obj})
    order.note, order.latitude, order.longitude = note, latitude, longitude
    _complete(order, actor, timezone.now(), "surveyed", note)
    if (route and route.pk != customer.route_id) or (
        substation and substation.pk != customer.substation_id
    ):
        MoveProposal.objects.create(
            unit_id=customer.unit_id,
            customer=customer,
            survey=order,
            from_route_id=customer.route_id,
            to_route=route or customer.route,
            to_sequence=sequence,
            from_substation_id=customer.substation_id,
            to_substation=substation or customer.substation,
            proposed_by=actor,
        )
    return order


@transaction.atomic
def propose_move(
    *,
    actor: User,
    customer: Customer,
    to_route: Route | None,
    to_substation: Substation | None,
    to_sequence: int | None = None,
) -> MoveProposal:
    """Menyusun data pelanggan per RBM sesuai hasil survey: a proposed move (seed 004 §IV)."""
    _require_role(actor, RECORDERS)
    if not scoped(Customer, actor).filter(pk=customer.pk).exists():
        raise FieldworkError(_("Pelanggan tidak ditemukan di unit Anda."))
    for obj in (to_route, to_substation):
        if obj is not None and obj.unit_id != customer.unit_id:
            raise FieldworkError(_("RBM/gardu %(o)s bukan milik ULP pelanggan.") % {"o": obj})
    if to_route is None and to_substation is None:
        raise FieldworkError(_("Pilih RBM atau gardu tujuan."))
    proposal = MoveProposal.objects.create(
        unit_id=customer.unit_id,
        customer=customer,
        from_route_id=customer.route_id,
        to_route=to_route or customer.route,
        to_sequence=to_sequence,
        from_substation_id=customer.substation_id,
        to_substation=to_substation or customer.substation,
        proposed_by=actor,
    )
    record_event(
        customer=customer,
        domain=Domain.FIELDWORK,
        verb="fieldwork.move_proposed",
        to_state=ProposalState.PROPOSED,
        actor=actor,
        note=f"RBM {proposal.to_route or '-'}, gardu {proposal.to_substation or '-'}",
    )
    return proposal


@transaction.atomic
def decide_move_proposals(*, actor: User, proposals: QuerySet, accept: bool) -> int:
    """Verifikasi data pelanggan per RBM: the supervisor accepts or rejects proposals."""
    _require_role(actor, VERIFIERS)
    target = ProposalState.VERIFIED if accept else ProposalState.REJECTED
    chosen = scoped(proposals, actor).filter(state=ProposalState.PROPOSED)
    ids = list(chosen.values_list("pk", flat=True))
    MoveProposal.objects.filter(pk__in=ids).update(
        state=target, verified_by=actor, updated_at=timezone.now()
    )
    now = timezone.now()
    ProcessEvent.objects.bulk_create(
        [
            ProcessEvent(
                customer_id=c,
                unit_id=u,
                domain=Domain.FIELDWORK,
                verb=f"fieldwork.move_{target}",
                from_state=ProposalState.PROPOSED,
                to_state=target,
                actor=actor,
                at=now,
            )
            for c, u in MoveProposal.objects.filter(pk__in=ids).values_list(
                "customer_id", "unit_id"
            )
        ]
    )
    return len(ids)


@transaction.atomic
def apply_move_proposals(*, actor: User, unit: Unit) -> int:
    """Menyerahkan data hasil updating RBM per gardu: every verified proposal of the unit is
    applied in one service, set-based (one UPDATE per destination)."""
    _require_role(actor, VERIFIERS)
    _require_unit(actor, unit)
    proposals = MoveProposal.objects.select_for_update().filter(
        unit=unit, state=ProposalState.VERIFIED
    )
    rows = list(
        proposals.values_list("pk", "customer_id", "to_route_id", "to_substation_id", "to_sequence")
    )
    groups: dict[tuple, list[int]] = defaultdict(list)
    for _pk, customer_id, route_id, substation_id, sequence in rows:
        groups[(route_id, substation_id, sequence)].append(customer_id)
    now = timezone.now()
    for (route_id, substation_id, sequence), ids in groups.items():
        values = {"route_id": route_id, "substation_id": substation_id, "updated_at": now}
        if sequence is not None:
            values["route_sequence"] = sequence
        Customer.objects.filter(pk__in=ids).update(**values)
    proposals.update(state=ProposalState.APPLIED, applied_at=now, updated_at=now)
    ProcessEvent.objects.bulk_create(
        [
            ProcessEvent(
                customer_id=c,
                unit=unit,
                domain=Domain.FIELDWORK,
                verb="fieldwork.move_applied",
                from_state=ProposalState.VERIFIED,
                to_state=ProposalState.APPLIED,
                actor=actor,
                at=now,
            )
            for _pk, c, *_rest in rows
        ]
    )
    return len(rows)


def kwh_per_route_substation(readings: QuerySet) -> list[dict]:
    """Laporan pemakaian energi/kWh per RBM per gardu (seed 004 §IV, last step)."""
    from django.db.models import Sum

    return list(
        readings.values("customer__route__code", "customer__substation__code")
        .annotate(customers=Count("customer_id"), kwh=Sum("consumption_kwh"))
        .order_by("customer__route__code", "customer__substation__code")
    )


# --- 4. Notices to customers (seed 004 §V) --------------------------------------------------


@transaction.atomic
def create_campaign(
    *, actor: User, unit: Unit, name: str, material: str, customers: QuerySet
) -> Campaign:
    """A campaign (what is delivered) and one notice order per listed customer."""
    _require_role(actor, ISSUERS)
    _require_unit(actor, unit)
    name = name.strip()
    if not name:
        raise FieldworkError(_("Isi nama kampanye."))
    if material not in NoticeMaterial.values:
        raise FieldworkError(_("Jenis informasi tidak dikenal."))
    customers = scoped(customers, actor).filter(unit__path__startswith=unit.path)
    if not customers.exists():
        raise FieldworkError(_("Daftar pelanggan kampanye kosong."))
    campaign = Campaign.objects.create(unit=unit, name=name, material=material, created_by=actor)
    _issue(
        actor=actor,
        customers=customers,
        kind=OrderKind.NOTICE,
        verb="order_issued",
        note=name,
        campaign=campaign,
    )
    return campaign


@transaction.atomic
def record_notice(
    *, actor: User, order: FieldOrder, outcome: str, photo=None, signature=None, initials: str = ""
) -> FieldOrder:
    """One outcome code per customer, the photo and the signature or initials (seed 004 §V)."""
    order = _locked(order, actor, OrderKind.NOTICE)
    _check_recorder(actor, order)
    if outcome not in NoticeOutcome.values or outcome == NoticeOutcome.NOT_YET:
        raise FieldworkError(_("Pilih keterangan hasil penyampaian."))
    _require_photo(photo)
    initials = initials.strip()
    if outcome == NoticeOutcome.IN_PERSON and signature is None and not initials:
        raise FieldworkError(_("Diterima langsung: isi paraf/nama penerima atau tanda tangan."))
    order.outcome, order.initials = outcome, initials
    order.photo = _photo(photo, order.unit, f"info_{order.customer.customer_id}")
    if signature is not None:
        order.signature = _photo(signature, order.unit, f"ttd_{order.customer.customer_id}")
    _complete(order, actor, timezone.now(), "notice_recorded", NoticeOutcome(outcome).label)
    return order


# --- 5. Arrears enforcement (seed 004 §VI and its notes) ------------------------------------


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
    _require_role(actor, ARREARS_UPLOADERS)
    errors, seen = [], set()
    for r in rows:
        if r.customer_id in seen:
            errors.append(_("Baris %(n)d: IDPEL %(id)s ganda.") % {"n": r.row, "id": r.customer_id})
        seen.add(r.customer_id)
        if r.bills < 0 or r.amount < 0:
            errors.append(_("Baris %(n)d: lembar/jumlah tidak boleh negatif.") % {"n": r.row})
    customers = dict(
        scoped(Customer, actor).filter(customer_id__in=seen).values_list("customer_id", "pk")
    )
    for r in rows:
        if r.customer_id not in customers:
            errors.append(
                _("Baris %(n)d: IDPEL %(id)s tidak ditemukan di unit Anda.")
                % {"n": r.row, "id": r.customer_id}
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
    _require_role(actor, ISSUERS)
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
    if refused:
        raise FieldworkError(
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


@transaction.atomic
def issue_disconnection_orders(*, actor: User, arrears: QuerySet) -> int:
    """Order pemutusan sementara to the contractor for customers with >= 2 lembar (§VI)."""
    _require_role(actor, ISSUERS)
    arrears = scoped(arrears, actor)
    low = [
        a.customer.customer_id
        for a in arrears.select_related("customer")
        if not needs_disconnection_notice(a.bills) or a.paid_at
    ]
    if low:
        raise FieldworkError(
            _("Tidak bisa diputus (kurang dari 2 lembar atau sudah lunas): %(ids)s.")
            % {"ids": ", ".join(low[:10])}
        )
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
    order.photo = _photo(photo, order.unit, f"putus_{order.customer.customer_id}")
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
        _require_role(actor, ARREARS_UPLOADERS)
        if not scoped(Customer, actor).filter(pk=customer.pk).exists():
            raise FieldworkError(_("Pelanggan tidak ditemukan di unit Anda."))
    arrears = Arrears.objects.select_for_update().filter(customer=customer).first()
    if arrears is None or arrears.paid_at is not None:
        raise FieldworkError(
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
    order.photo = _photo(photo, order.unit, f"sambung_{order.customer.customer_id}")
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
    _require_role(actor, ISSUERS)
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
            raise FieldworkError(
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
    order.photo = _photo(photo, order.unit, f"bongkar_{order.customer.customer_id}")
    _complete(order, actor, timezone.now(), "dismantled")
    return order


def closed_house_readings(readings: QuerySet, period: str) -> QuerySet[Reading]:
    """Rumah tutup met during reading: where TUL II-04 is left (seed 004 §II)."""
    return (
        readings.filter(period=period, anomaly__code__in=CLOSED_HOUSE_CODES)
        .select_related("customer", "customer__route", "anomaly", "unit")
        .order_by("customer__route__code", "customer__route_sequence")
    )
