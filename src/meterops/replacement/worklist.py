"""HOME's source of the field app's work list (``core.worklist``), registered in apps.py."""

from meterops.core.scoping import scoped
from meterops.core.worklist import WorkItem
from meterops.customers.queries import current_meters, with_current_meter

from .choices import TargetState
from .models import WorkOrder


def replacement_work_orders(user) -> list[WorkItem]:
    """Distributed PKs of this officer whose meter is not replaced yet (seed 000, Monitoring PK)."""
    work_orders = (
        scoped(WorkOrder, user)
        .select_related("target__customer", "target__damage_type")
        .filter(assigned_to=user, target__state=TargetState.ASSIGNED)
        .prefetch_related(current_meters("target__customer__meters"))
        .order_by("assigned_at", "id")[:500]
    )
    items = []
    for work_order in work_orders:
        target = work_order.target
        customer = with_current_meter(target.customer)
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
                },
            )
        )
    return items
