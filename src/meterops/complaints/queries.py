"""Reads of the call centre and the APKT tickets, each starting from the user's scope."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from meterops.core.choices import RoleCode
from meterops.core.models import User
from meterops.core.scoping import scoped
from meterops.customers.models import Customer, Meter

from .models import Ticket

TICKET_ROLES = (
    RoleCode.ADMIN,
    RoleCode.UNIT_ADMIN,
    RoleCode.SUPERVISOR,
    RoleCode.FIELD_OFFICER,
    RoleCode.CALL_CENTRE,
)


def find_customer(user: User, text: str) -> Customer | None:
    """The customer of an IDPEL or a current meter number, within the user's units."""
    customers = scoped(Customer, user).select_related("unit")
    by_meter = Meter.objects.filter(meter_number=text, removed_at__isnull=True)
    return customers.filter(Q(customer_id=text) | Q(pk__in=by_meter.values("customer_id"))).first()


def tickets_for(user: User, *, state: str = "", kind: str = "") -> QuerySet[Ticket]:
    if not user.has_role(*TICKET_ROLES):
        raise PermissionDenied
    tickets = scoped(Ticket, user).select_related("customer", "unit", "assigned_to", "call")
    if user.has_role(RoleCode.FIELD_OFFICER) and not user.has_role(*TICKET_ROLES[:3]):
        tickets = tickets.filter(assigned_to=user)
    if state:
        tickets = tickets.filter(state=state)
    if kind:
        tickets = tickets.filter(kind=kind)
    return tickets.order_by("due_at", "-id")


def get_ticket_for(user: User, pk: int) -> Ticket:
    ticket = get_object_or_404(
        scoped(Ticket, user).select_related("customer", "unit", "call", "process"), pk=pk
    )
    if not user.has_role(*TICKET_ROLES):
        raise PermissionDenied
    return ticket
