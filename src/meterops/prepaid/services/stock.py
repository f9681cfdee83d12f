"""The prepaid meter stock (seed 002, 2.1 step 4: "Aktivasi Meter menggunakan Nomor Meter"):
the meters a ULP holds for activation, loaded from the stock upload (``prepaid.uploads``).

The rules by name: a meter number is 11 or 13 digits (``meter_number_problem``); a meter
installed at a customer, removed as damaged or bound to an open application is not changed
by a stock upload (``unchangeable_stock_meters``); loading is set-based and leaves a history
record per meter (``load_meter_stock``).
"""

from collections.abc import Collection

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meterops.core.models import User
from meterops.customers.services import refused_new_meters

from ..choices import CLOSED_STATES
from ..models import MeterStock, ServiceRequest
from .applications import OFFICE_ROLES

# Who activates meters keeps the stock they take them from (menu Aktivasi Meter).
STOCK_ROLES = OFFICE_ROLES
# What a stock upload writes of a meter (its number is its key).
STOCK_FIELDS = (
    "unit",
    "brand",
    "model",
    "serial_number",
    "is_nfc",
    "supply_group",
    "tariff_index",
    "vkrn",
    "key_revision",
    "key_type",
)
METER_NUMBER_LENGTHS = (11, 13)


def meter_number_problem(number: str) -> str | None:
    """Why ``number`` is not a prepaid meter number, or None: 11 digits (PAN with IIN 600727)
    or 13 digits (PAN with IIN 0000), as the STS tokens need (docs/PREPAID.md, seed 002)."""
    if number.isdigit() and len(number) in METER_NUMBER_LENGTHS:
        return None
    return _("harus 11 atau 13 digit angka, bukan '%(n)s'.") % {"n": number}


def unchangeable_stock_meters(numbers: Collection[str]) -> dict[str, str]:
    """The meter numbers a stock upload may not add or change, each with why (seed 002: the
    activation binds a meter of the stock to an application, PDL installs it): installed at
    a customer or removed as damaged (``customers.services.refused_new_meters``), or bound
    to an application not yet completed or cancelled. Two queries for a whole batch."""
    refused = refused_new_meters(numbers=numbers, customer_ids=())
    bound = (
        ServiceRequest.objects.filter(meter__meter_number__in=set(numbers))
        .exclude(state__in=CLOSED_STATES)
        .values_list("meter__meter_number", "request_number")
    )
    for number, request_number in bound:
        refused.setdefault(
            number,
            _(
                "Meter %(m)s sudah diaktivasi untuk permohonan %(r)s yang masih berjalan; "
                "datanya tidak bisa diubah lewat upload stok."
            )
            % {"m": number, "r": request_number},
        )
    return refused


@transaction.atomic
def load_meter_stock(
    *, new: list[MeterStock], changed: list[MeterStock], actor: User | None, reason: str
) -> None:
    """Put checked meters into the stock and correct the data of meters already there (seed
    002: the stock activation takes meters from), set-based: an INSERT for the new ones, an
    INSERT … ON CONFLICT (id) DO UPDATE for the changed ones (which carry their pk), a thousand
    rows a statement; each meter's history record attributed to ``actor`` with ``reason``.

    A new meter another writer put in meanwhile makes the INSERT fail: the caller's batch
    rolls back whole, and classifying it again sees that meter."""
    now = timezone.now()
    created = [stock.created_at for stock in changed]
    MeterStock.objects.bulk_create(new, batch_size=1000)
    MeterStock.objects.bulk_create(
        changed,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=[*STOCK_FIELDS, "updated_at"],
    )
    for stock, created_at in zip(changed, created, strict=True):
        stock.created_at = created_at  # bulk_create stamped it in memory; the row kept its own
    MeterStock.history.bulk_history_create(
        new, default_user=actor, default_change_reason=reason, default_date=now
    )
    MeterStock.history.bulk_history_create(
        changed, update=True, default_user=actor, default_change_reason=reason, default_date=now
    )
