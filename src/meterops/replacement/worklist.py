"""HOME's source of the field app's work list (``core.worklist``), registered in apps.py."""

from zoneinfo import ZoneInfo

from django.utils import timezone

from meterops.core.models import unit_time_zone
from meterops.core.scoping import scoped
from meterops.core.worklist import WorkItem, WorkQuery
from meterops.customers.meter_readings import latest_readings
from meterops.customers.queries import current_meters, with_current_meter

from .choices import TargetState
from .models import WorkOrder
from .services import daily_use_limit_kwh, last_reading_of


def _open_work_orders(user):
    """Distributed PKs of this officer whose meter is not replaced yet (seed 000, Monitoring PK)."""
    return scoped(WorkOrder, user).filter(assigned_to=user, target__state=TargetState.ASSIGNED)


# An item's version is its target's; the PK itself changes when printed again or reassigned.
WORK_ORDERS = WorkQuery("replacement", _open_work_orders, ("target__updated_at", "updated_at"))


def replacement_work_orders(user, since=None) -> list[WorkItem]:
    """The officer's PKs (``WORK_ORDERS``), with ``since`` only those changed after it."""
    work_orders = (
        WORK_ORDERS.changed_since(user, since)
        .select_related("target__customer", "target__damage_type", "target__meter")
        .prefetch_related(current_meters("target__customer__meters"))
        .order_by("assigned_at", "id")[:500]
    )
    latest = latest_readings(w.target.customer_id for w in work_orders)
    items = []
    for work_order in work_orders:
        target = work_order.target
        customer = with_current_meter(target.customer)
        zone = ZoneInfo(unit_time_zone(target.unit_id))
        last = last_reading_of(target, latest.get(target.customer_id), zone)
        items.append(
            WorkItem(
                kind="replacement",
                id=work_order.pk,
                reference=work_order.number,
                title=f"Ganti meter: {target.damage_type.name}",
                state=target.state,
                state_label=str(target.get_state_display()),
                version=target.updated_at,
                assigned_at=work_order.assigned_at,
                customer=customer,
                detail={
                    "target_id": target.pk,
                    "target_reference": target.reference,
                    "damage_type": target.damage_type.name,
                    "notes": target.notes,
                    "reading_at_discovery": (
                        str(target.reading_at_discovery)
                        if target.reading_at_discovery is not None
                        else None
                    ),
                    # What the phone checks offline before queueing the replacement, as
                    # record_replacement will (seed 000, Data APP Ganti; issue #19).
                    "printed_on": timezone.localtime(work_order.printed_at, zone)
                    .date()
                    .isoformat(),
                    "last_reading": (
                        {"kwh": str(last.kwh), "on": last.on.isoformat()} if last else None
                    ),
                    "daily_use_limit_kwh": str(daily_use_limit_kwh(target.customer.power_va)),
                },
            )
        )
    return items
