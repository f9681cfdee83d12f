"""Reading audits (seed 004 §I, "Pengawasan Baca Meter"): the monthly sample per RBM and
petugas, schedule consistency, and the accuracy re-checks. The rules are the pure
functions first; the orders go through the one state machine in ``services``.
"""

import math
import random
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meterops.core.choices import UnitLevel
from meterops.core.errors import InvalidInput, WrongState
from meterops.core.models import Contractor, Unit, User
from meterops.core.services import require_role, require_unit
from meterops.customers.models import Customer
from meterops.reading.models import Reading

from ..choices import OPEN_STATES, OrderKind
from ..models import AuditMonth, AuditSample, FieldOrder
from .orders import (
    ISSUERS,
    _check_recorder,
    _complete,
    _events_for,
    _locked,
    _photo,
    _require_photo,
)


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


def _contractor_of(unit: Unit) -> Contractor | None:
    return unit.nearest(Contractor.objects.filter(is_active=True), via="units")


@transaction.atomic
def draw_audit_sample(
    *, actor: User, unit: Unit, period: str, seed: int | None = None
) -> AuditMonth:
    """Sampling per RBM (seed 004 §I): each route-and-reader stratum of the ULP's readings of
    ``period`` gives its seeded share; each sampled reading is checked against its schedule.
    A month without readings is refused, not stored (issue #19)."""
    require_role(actor, ISSUERS)
    require_unit(actor, unit)
    if unit.level != UnitLevel.SERVICE_POINT:
        raise InvalidInput("unit", _("Audit dilakukan per ULP; pilih sebuah ULP."))
    if AuditMonth.objects.filter(unit=unit, period=period).exists():
        raise WrongState(
            _("Sampel audit %(p)s untuk %(u)s sudah diambil.") % {"p": period, "u": unit}
        )
    settings = unit.settings_or_default()
    seed = int(seed if seed is not None else f"{period}{unit.code}"[-9:])
    rows = list(
        Reading.objects.filter(unit=unit, period=period, is_estimate=False)
        .order_by()
        .values_list("pk", "customer__route_id", "reader")
    )
    if not rows:
        # An empty audit would lock the month ("sudah diambil") before any reading arrived.
        raise InvalidInput(
            "period",
            _(
                "Belum ada stan hasil baca %(p)s di %(u)s: sampel audit belum bisa diambil. "
                "Ambil sampel setelah stan bulan itu diunggah."
            )
            % {"p": period, "u": unit},
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
    require_role(actor, ISSUERS)
    require_unit(actor, audit.unit)
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
    order.photo = _photo(photo, order.unit)
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
