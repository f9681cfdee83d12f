"""P2TL inspections (issue #23): field orders to check a suspected customer's meter for
tampering or a by-pass, and the finding the officer brings back with its photo."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from meterops.core.errors import InvalidInput
from meterops.core.models import User
from meterops.core.scoping import scoped
from meterops.core.services import require_role

from ..choices import OPEN_STATES, InspectionFinding, OrderKind
from ..models import FieldOrder
from .orders import ISSUERS, _check_recorder, _complete, _issue, _locked, _photo, _require_photo


@dataclass(frozen=True)
class InspectionsIssued:
    """How many inspection orders were issued, and which customers already had one open."""

    issued: int
    already_open: dict[str, str]  # IDPEL -> reference of the open order


@transaction.atomic
def issue_p2tl_inspection_orders(*, actor: User, customers: QuerySet) -> InspectionsIssued:
    """One Pemeriksaan P2TL order per chosen customer; one with an open inspection order gets
    no second one, so a form sent twice orders each customer once (issue #23)."""
    require_role(actor, ISSUERS)
    customers = scoped(customers, actor)
    # Two submits at once queue here on PostgreSQL; the second then sees the first's orders.
    list(customers.select_for_update().values_list("pk", flat=True))
    open_orders = FieldOrder.objects.filter(
        customer__in=customers.values("pk"), kind=OrderKind.P2TL_INSPECTION, state__in=OPEN_STATES
    ).values_list("customer__customer_id", "pk")
    already_open = {idpel: f"OL-{pk:07d}" for idpel, pk in open_orders}
    issued = _issue(
        actor=actor,
        customers=customers,
        kind=OrderKind.P2TL_INSPECTION,
        verb="order_issued",
        note=str(OrderKind.P2TL_INSPECTION.label),
    )
    return InspectionsIssued(issued, already_open)


@transaction.atomic
def record_p2tl_inspection(
    *, actor: User, order: FieldOrder, finding: str, photo, note: str = ""
) -> FieldOrder:
    """The officer's finding with its photo; a violation must be described (issue #23)."""
    order = _locked(order, actor, OrderKind.P2TL_INSPECTION)
    _check_recorder(actor, order)
    _require_photo(photo)
    note = note.strip()
    if finding == InspectionFinding.VIOLATION and not note:
        raise InvalidInput("note", _("Uraikan pelanggaran yang ditemukan."))
    order.inspection_finding, order.note = finding, note
    order.photo = _photo(photo, order.unit)
    _complete(order, actor, timezone.now(), "p2tl_inspected", InspectionFinding(finding).label)
    return order
