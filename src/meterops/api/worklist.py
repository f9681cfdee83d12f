"""The officer's work list: one list, fed by every domain that hands orders to field officers.

A domain adds its orders with ``register_work_source(kind, function)``; the function takes the
officer and returns ``WorkItem``s of the orders assigned to that officer and still open. The
HOME work orders (PK) are the first source; fieldwork orders, KCT targets and readings sent
back for re-reading plug in the same way.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch

from meterops.customers.models import Meter


@dataclass
class WorkItem:
    kind: str
    id: int
    reference: str
    title: str
    state: str
    state_label: str
    version: datetime
    assigned_at: datetime | None
    customer: object
    detail: dict = field(default_factory=dict)


WORK_SOURCES: dict[str, Callable] = {}


def register_work_source(kind: str, source: Callable) -> None:
    WORK_SOURCES[kind] = source


def work_list_for(user) -> list[WorkItem]:
    items: list[WorkItem] = []
    for source in WORK_SOURCES.values():
        items.extend(source(user))
    return sorted(items, key=lambda item: (item.assigned_at is None, item.assigned_at, item.id))


def current_meters(path: str) -> Prefetch:
    """The meter in place of each customer at ``path`` (ending in ``meters``), as
    ``current_meters``; ``with_current_meter`` then puts it where ``customer_out`` reads it."""
    return Prefetch(
        path, queryset=Meter.objects.filter(removed_at__isnull=True), to_attr="current_meters"
    )


def with_current_meter(customer):
    meters = customer.current_meters
    customer.current_meter_row = meters[0] if meters else None
    return customer


def replacement_work_orders(user) -> list[WorkItem]:
    """Distributed PKs of this officer whose meter is not replaced yet (seed 000, Monitoring PK)."""
    from meterops.core.scoping import scoped
    from meterops.replacement.choices import TargetState
    from meterops.replacement.models import WorkOrder

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


register_work_source("replacement", replacement_work_orders)


def field_orders(user) -> list[WorkItem]:
    """Fieldwork orders (seed 004: accuracy checks, prepaid sampling, notices, disconnection,
    reconnection, dismantling, surveys) assigned to this officer and still open."""
    from meterops.core.scoping import scoped
    from meterops.fieldwork.choices import OrderState
    from meterops.fieldwork.models import FieldOrder

    orders = (
        scoped(FieldOrder, user)
        .filter(assigned_to=user, state=OrderState.ASSIGNED)
        .select_related("customer")
        .prefetch_related(current_meters("customer__meters"))
        .order_by("due_at", "id")[:500]
    )
    items = []
    for order in orders:
        customer = with_current_meter(order.customer)
        items.append(
            WorkItem(
                kind=f"fieldwork.{order.kind}",
                id=order.pk,
                reference=order.reference,
                title=str(order.get_kind_display()),
                state=order.state,
                state_label=str(order.get_state_display()),
                version=order.updated_at,
                assigned_at=order.issued_at,
                customer=customer,
                detail={
                    "order_kind": order.kind,
                    "due_at": order.due_at.isoformat() if order.due_at else None,
                    "note": order.note,
                },
            )
        )
    return items


register_work_source("fieldwork", field_orders)


def keychange_targets(user) -> list[WorkItem]:
    """KRN-2 key-change targets (seed 003) assigned to this officer and not confirmed yet: the
    KCT pair to enter on the meter and what the meter shows after "04 enter" (Lampiran I)."""
    from meterops.core.scoping import scoped
    from meterops.keychange.choices import TargetState
    from meterops.keychange.models import CampaignTarget, DisplayExpectation, KeyChangeToken
    from meterops.keychange.services import pick_display_expectation

    targets = list(
        scoped(CampaignTarget, user)
        .filter(assigned_to=user, state=TargetState.ASSIGNED)
        .select_related("customer", "meter", "campaign")
        .prefetch_related(
            Prefetch(
                "tokens",
                queryset=KeyChangeToken.objects.filter(voided_at__isnull=True),
                to_attr="live_tokens",
            )
        )
        .order_by("assigned_at", "id")[:500]
    )
    if not targets:
        return []
    brands = {(t.meter.brand or "").upper() for t in targets}
    expectations = [row for row in DisplayExpectation.objects.all() if row.brand.upper() in brands]
    items = []
    for target in targets:
        customer, meter = target.customer, target.meter
        customer.current_meter_row = meter
        kct = target.live_tokens[0] if target.live_tokens else None
        items.append(
            WorkItem(
                kind="keychange",
                id=target.pk,
                reference=target.reference,
                title="Ganti kunci meter KRN-2 (KCT)",
                state=target.state,
                state_label=str(target.get_state_display()),
                version=target.updated_at,
                assigned_at=target.assigned_at,
                customer=customer,
                detail={
                    "campaign": target.campaign.name,
                    "meter_number": meter.meter_number,
                    "meter_brand": meter.brand,
                    "meter_model": meter.model,
                    "tokens": kct.formatted if kct else [],
                    "from_key_revision": kct.from_key_revision if kct else None,
                    "to_key_revision": kct.to_key_revision if kct else None,
                    "expected_display": getattr(
                        pick_display_expectation(meter, expectations), "expected_display", ""
                    ),
                    "test_token": kct.formatted_test_token if kct else "",
                },
            )
        )
    return items


register_work_source("keychange", keychange_targets)


def reading_reference(reading) -> str:
    """How the work list and the phone name a reading: BLTH/IDPEL."""
    return f"{reading.period}/{reading.customer.customer_id}"


def reading_rereads(user) -> list[WorkItem]:
    """Readings sent back for re-reading (Baca ulang) in a field officer's units, in route
    order: the stan to read again, with the reason and the stan read before."""
    from meterops.core.choices import RoleCode
    from meterops.core.scoping import scoped
    from meterops.reading.choices import ReadingState
    from meterops.reading.models import Reading

    if not user.has_role(RoleCode.FIELD_OFFICER):
        return []
    readings = (
        scoped(Reading, user)
        .filter(state=ReadingState.REREAD_REQUESTED)
        .select_related("customer")
        .prefetch_related(current_meters("customer__meters"))
        .order_by("customer__route_id", "customer__route_sequence", "id")[:500]
    )
    return [
        WorkItem(
            kind="reading",
            id=reading.pk,
            reference=reading_reference(reading),
            title=f"Baca ulang stan BLTH {reading.period}",
            state=reading.state,
            state_label=str(reading.get_state_display()),
            version=reading.updated_at,
            assigned_at=reading.updated_at,
            customer=with_current_meter(reading.customer),
            detail={
                "period": reading.period,
                "reason": reading.reread_reason,
                "previous_register_kwh": str(reading.register_kwh),
            },
        )
        for reading in readings
    ]


register_work_source("reading", reading_rereads)
