"""Fieldwork's source of the field app's work list (``core.worklist``), registered in apps.py."""

from django.db.models import F

from meterops.core.scoping import scoped
from meterops.core.worklist import WorkItem, WorkQuery
from meterops.customers.queries import current_meters, with_current_meter

from .choices import OrderState
from .models import FieldOrder


def _open_orders(user):
    """Fieldwork orders (seed 004: accuracy checks, prepaid sampling, notices, disconnection,
    reconnection, dismantling, surveys) assigned to this officer and still open."""
    return scoped(FieldOrder, user).filter(assigned_to=user, state=OrderState.ASSIGNED)


# A paid arrears changes what the officer carries to a disconnection, not the order itself.
FIELD_ORDERS = WorkQuery(
    "fieldwork", _open_orders, ("updated_at", "arrears__updated_at"), kind_field="kind"
)


def field_orders(user, since=None) -> list[WorkItem]:
    """The officer's orders (``FIELD_ORDERS``), with ``since`` only those changed after it."""
    orders = (
        FIELD_ORDERS.changed_since(user, since)
        .select_related("customer", "arrears", "arrears__notice_signer")
        .prefetch_related(current_meters("customer__meters"))
        .order_by(F("planned_on").asc(nulls_last=True), "due_at", "id")[:500]
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
                    "planned_on": order.planned_on.isoformat() if order.planned_on else None,
                    **_arrears_detail(order),
                },
            )
        )
    return items


def _arrears_detail(order: FieldOrder) -> dict:
    """What the officer carries to a disconnection (seed 004 §VI): the signed TUL VI-01 and
    the arrears, and the payment state as the server last knew it."""
    arrears = order.arrears
    if arrears is None:
        return {}
    return {
        "arrears_bills": arrears.bills,
        "arrears_paid_at": arrears.paid_at.isoformat() if arrears.paid_at else None,
        "notice_printed_at": (
            arrears.notice_printed_at.isoformat() if arrears.notice_printed_at else None
        ),
        "notice_signer": str(arrears.notice_signer) if arrears.notice_signer else "",
    }
