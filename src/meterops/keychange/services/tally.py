"""The KRN dashboard's count of prepaid meters per vending key, kept in ``VkrnTally``
(``meterops.core.tallies``): counting on each view read every prepaid meter of a UID."""

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from meterops.core import tallies
from meterops.core.models import Unit
from meterops.customers.choices import PaymentMode
from meterops.customers.models import Meter
from meterops.vending.choices import VkrnCode

from ..models import VkrnTally

TALLY_FIELDS = (*(f"vkrn_{vkrn}" for vkrn in VkrnCode.values), "unknown")


def prepaid_meters_by_vkrn(meters: QuerySet[Meter]) -> dict[int, dict[str, int]]:
    """unit id -> meters per VKRN column, for the current prepaid meters among ``meters``
    (seed 003: VKRN 41 and 42 still to upgrade, 43 done), in one aggregate query."""
    rows = (
        meters.filter(removed_at__isnull=True, customer__payment_mode=PaymentMode.PREPAID)
        .values("customer__unit_id")
        .annotate(
            **{f"vkrn_{vkrn}": Count("pk", filter=Q(vkrn=vkrn)) for vkrn in VkrnCode.values},
            unknown=Count("pk", filter=Q(vkrn__isnull=True)),
        )
        .order_by()
    )
    return {row.pop("customer__unit_id"): row for row in rows}


def count_meters_by_vkrn() -> int:
    """Count every unit's current prepaid meters per VKRN into VkrnTally (seed 003), one
    aggregate query; a unit without prepaid meters gets zeros. Returns the units counted."""
    counted_at = timezone.now()
    counts = prepaid_meters_by_vkrn(Meter.objects.all())
    zeros = dict.fromkeys(TALLY_FIELDS, 0)
    rows = [
        VkrnTally(unit_id=unit_id, counted_at=counted_at, **counts.get(unit_id, zeros))
        for unit_id in Unit.objects.order_by("pk").values_list("pk", flat=True)
    ]
    return tallies.store(rows, keys=["unit"], counts=list(TALLY_FIELDS))


def recount_if_stale(counted_at) -> bool:
    """Queue a recount of the tally when it is missing or stale."""
    from ..tasks import count_meters_by_vkrn_task

    return tallies.recount_if_stale(count_meters_by_vkrn_task, counted_at)


def tally_is_fresh() -> bool:
    return tallies.just_counted(tallies.counted_at(VkrnTally.objects.all()))
