"""Writes of the customer master (DIL), and the one way a customer's meter is swapped."""

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from meterops.core.errors import OutsideUnit
from meterops.core.models import Unit, User
from meterops.core.scoping import scoped
from meterops.core.tallies import store

from .choices import RemovalReason
from .dil import DilRecord
from .errors import MeterNotInstallable
from .meter_swaps import meters_swapped
from .models import Customer, CustomerTally, Meter, Route, Substation

CUSTOMER_FIELDS = [
    "unit",
    "name",
    "address",
    "tariff",
    "power_va",
    "payment_mode",
    "substation",
    "route",
    "route_sequence",
    "latitude",
    "longitude",
]
METER_FIELDS = [
    "multiplier",
    "brand",
    "model",
    "serial_number",
    "manufacture_year",
    "phase",
    "installed_at",
    "supply_group",
    "tariff_index",
    "vkrn",
    "key_revision",
    "key_type",
]


KEY_DATA = ("supply_group", "tariff_index", "vkrn", "key_revision", "key_type", "phase")


# --- Swapping a customer's meter ------------------------------------------------------------


def carried_key_data(old: Meter | None) -> dict:
    """The STS key data a prepaid customer's new meter keeps from the old one (none for a
    postpaid meter, which has no supply group)."""
    return {field: getattr(old, field) for field in KEY_DATA} if old and old.supply_group else {}


def swapped_in_multiplier(old: Meter | None, given: Decimal) -> Decimal:
    """The FKM of a meter put in place of ``old`` (issue #23): the one given, or where none was
    given (1) the old meter's, the current transformers staying with the installation."""
    return old.multiplier if old is not None and given == 1 else given


def refused_new_meters(
    *, numbers: Collection[str], customer_ids: Collection[int]
) -> dict[str, str]:
    """The meter numbers that may not go in as the new meter of these customers, each with
    why (seed 000, Data APP Ganti): still current at another customer, or removed as damaged.

    One query for a whole batch; a meter current at one of ``customer_ids`` is theirs to move.
    """
    found = (
        Meter.objects.filter(meter_number__in=set(numbers))
        .filter(
            Q(removed_at__isnull=True) & ~Q(customer_id__in=list(customer_ids))
            | Q(removal_reason=RemovalReason.DAMAGED)
        )
        .order_by("removed_at")
        .values_list("meter_number", "removed_at", "removal_note", "customer__customer_id")
    )
    refused: dict[str, str] = {}
    for number, removed_at, note, customer_id in found:
        if removed_at is None:
            refused[number] = _("Meter %(no)s masih terpasang di pelanggan %(idpel)s.") % {
                "no": number,
                "idpel": customer_id,
            }
        else:
            refused.setdefault(
                number,
                _(
                    "Meter %(no)s sudah dibongkar karena rusak (%(why)s) dari pelanggan "
                    "%(idpel)s pada %(day)s; meter rusak tidak boleh dipasang lagi."
                )
                % {
                    "no": number,
                    "why": note or RemovalReason.DAMAGED.label,
                    "idpel": customer_id,
                    "day": f"{removed_at:%d-%m-%Y}",
                },
            )
    return refused


def ensure_meter_installable(*, meter_number: str, customer: Customer) -> None:
    """Refuse a new meter for ``customer`` that ``refused_new_meters`` refuses."""
    reason = refused_new_meters(numbers=[meter_number], customer_ids=[customer.pk])
    if reason:
        raise MeterNotInstallable(reason[meter_number])


@transaction.atomic
def swap_meter(
    *,
    customer: Customer,
    new_meter: Meter,
    removed_on: date,
    reason: str,
    note: str = "",
    keep_key_data: bool = False,
    actor: User,
) -> tuple[Meter | None, Meter]:
    """Ganti meter (seed 000): remove the customer's current meter, saying why, and install
    ``new_meter`` (unsaved) as current, once it passes ``ensure_meter_installable``.

    With ``keep_key_data`` a prepaid customer's new meter keeps the old one's STS key data
    where its own is not given.
    Returns (old meter or None, new meter).
    """
    if not scoped(Customer, actor).filter(pk=customer.pk).exists():
        raise OutsideUnit(
            _("Pelanggan %(idpel)s di luar unit Anda.") % {"idpel": customer.customer_id}
        )
    ensure_meter_installable(meter_number=new_meter.meter_number, customer=customer)
    old = customer.meters.select_for_update().filter(removed_at__isnull=True).first()
    if old is not None:
        old.removed_at, old.removal_reason, old.removal_note = removed_on, reason, note[:120]
        old._history_user = actor
        old.save(update_fields=["removed_at", "removal_reason", "removal_note", "updated_at"])
        if keep_key_data:
            # What the new meter's own record says wins (a new meter on the KRN-2 key).
            for field, value in carried_key_data(old).items():
                if getattr(new_meter, field) in (None, ""):
                    setattr(new_meter, field, value)
    new_meter.multiplier = swapped_in_multiplier(old, new_meter.multiplier)
    new_meter.customer = customer
    new_meter._history_user = actor
    new_meter.full_clean()
    new_meter.save()
    if old is not None:
        meters_swapped([(old.pk, new_meter.pk)], actor=actor)
    return old, new_meter


@transaction.atomic
def remove_meter(
    *, customer: Customer, removed_on: date, reason: str, note: str = "", actor: User
) -> Meter | None:
    """Take the customer's current meter out without a new one (bongkar rampung, seed 004 §VI),
    saying why; returns it, or None when the customer had none."""
    meter = customer.meters.select_for_update().filter(removed_at__isnull=True).first()
    if meter is None:
        return None
    meter.removed_at, meter.removal_reason, meter.removal_note = removed_on, reason, note[:120]
    meter._history_user = actor
    meter.save(update_fields=["removed_at", "removal_reason", "removal_note", "updated_at"])
    meters_swapped([(meter.pk, None)], actor=actor)
    return meter


# --- The customer master (DIL) ------------------------------------------------------------


@dataclass
class DilImportResult:
    customers_created: int = 0
    customers_updated: int = 0
    meters_created: int = 0
    meters_updated: int = 0
    meters_removed: int = 0
    substations_created: int = 0
    routes_created: int = 0


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _ensure_codes(model, pairs: set[tuple[int, str]]) -> tuple[dict[tuple[int, str], int], int]:
    """Ids of the (unit, code) rows of a gardu or RBM table, creating the missing ones."""
    unit_ids = {unit_id for unit_id, _code in pairs}
    existing = {
        (unit_id, code): pk
        for pk, unit_id, code in model.objects.filter(unit_id__in=unit_ids).values_list(
            "pk", "unit_id", "code"
        )
    }
    missing = [model(unit_id=u, code=c) for u, c in pairs if (u, c) not in existing]
    model.objects.bulk_create(missing, batch_size=1000)
    if missing:
        model.history.bulk_history_create(missing)
        existing.update(
            {
                (m.unit_id, m.code): m.pk
                for m in model.objects.filter(
                    unit_id__in=unit_ids, code__in={m.code for m in missing}
                )
            }
        )
    return existing, len(missing)


@transaction.atomic
def import_customer_master(*, records: list[DilRecord], actor: User | None) -> DilImportResult:
    """Load checked DIL rows set-based: upsert customers, gardu, RBM and current meters.

    A customer's meter with the same number is updated in place; a different number closes
    the old meter (removed on the new one's installation date) and makes the new one current.
    Every created or changed row gets its history record, attributed to ``actor``.
    """
    result = DilImportResult()
    unit_ids = dict(
        Unit.objects.filter(code__in={r.customer["customer_id"][:5] for r in records}).values_list(
            "code", "pk"
        )
    )
    for record in records:
        record.customer["unit_id"] = unit_ids[record.customer["customer_id"][:5]]
    substations, result.substations_created = _ensure_codes(
        Substation,
        {(r.customer["unit_id"], r.substation_code) for r in records if r.substation_code},
    )
    routes, result.routes_created = _ensure_codes(
        Route, {(r.customer["unit_id"], r.route_code) for r in records if r.route_code}
    )
    for batch in _chunks(records, settings.IMPORT_BATCH_SIZE):
        _import_batch(batch, substations, routes, actor, result)
    return result


def _import_batch(batch, substations, routes, actor, result: DilImportResult) -> None:
    ids = [r.customer["customer_id"] for r in batch]
    existing = set(
        Customer.objects.filter(customer_id__in=ids).values_list("customer_id", flat=True)
    )
    customers = []
    for r in batch:
        unit_id = r.customer["unit_id"]
        customers.append(
            Customer(
                **r.customer,
                substation_id=substations.get((unit_id, r.substation_code)),
                route_id=routes.get((unit_id, r.route_code)),
            )
        )
    Customer.objects.bulk_create(
        customers,
        update_conflicts=True,
        unique_fields=["customer_id"],
        update_fields=[*CUSTOMER_FIELDS, "updated_at"],
    )
    saved = {c.customer_id: c for c in Customer.objects.filter(customer_id__in=ids)}
    created = [c for cid, c in saved.items() if cid not in existing]
    updated = [c for cid, c in saved.items() if cid in existing]
    Customer.history.bulk_history_create(created, default_user=actor)
    Customer.history.bulk_history_create(updated, update=True, default_user=actor)
    result.customers_created += len(created)
    result.customers_updated += len(updated)
    _import_meters(batch, saved, actor, result)


def _import_meters(batch, saved: dict[str, Customer], actor, result: DilImportResult) -> None:
    with_meter = [r for r in batch if r.meter]
    customer_pks = [saved[r.customer["customer_id"]].pk for r in with_meter]
    current = {
        m.customer_id: m
        for m in Meter.objects.filter(customer_id__in=customer_pks, removed_at__isnull=True)
    }
    to_update, to_remove, to_create = [], [], []
    today = timezone.localdate()
    for record in with_meter:
        customer = saved[record.customer["customer_id"]]
        meter = current.get(customer.pk)
        if meter is not None and meter.meter_number == record.meter["meter_number"]:
            for key, value in record.meter.items():
                setattr(meter, key, value)
            to_update.append(meter)
            continue
        if meter is not None:
            meter.removed_at = record.meter["installed_at"] or today
            to_remove.append(meter)
        to_create.append(Meter(customer=customer, **record.meter))
    Meter.objects.bulk_update(to_update, METER_FIELDS, batch_size=1000)
    Meter.objects.bulk_update(to_remove, ["removed_at"], batch_size=1000)
    Meter.objects.bulk_create(to_create, batch_size=1000)
    Meter.history.bulk_history_create(to_update + to_remove, update=True, default_user=actor)
    created = list(
        Meter.objects.filter(
            customer_id__in=[m.customer_id for m in to_create], removed_at__isnull=True
        )
    )
    Meter.history.bulk_history_create(created, default_user=actor)
    new_of = {m.customer_id: m.pk for m in created}
    meters_swapped([(m.pk, new_of[m.customer_id]) for m in to_remove], actor=actor)
    result.meters_updated += len(to_update)
    result.meters_removed += len(to_remove)
    result.meters_created += len(to_create)


def count_customers_by_unit() -> int:
    """Count every unit's customers into CustomerTally (the dashboard's Pelanggan column), in
    one aggregate query; a unit without customers gets 0. Returns the units counted."""
    counted_at = timezone.now()
    counts = dict(Customer.objects.values("unit").annotate(n=Count("pk")).values_list("unit", "n"))
    tallies = [
        CustomerTally(unit_id=unit_id, customers=counts.get(unit_id, 0), counted_at=counted_at)
        for unit_id in Unit.objects.order_by("pk").values_list("pk", flat=True)
    ]
    return store(tallies, keys=["unit"], counts=["customers"])
