"""Reads of the call centre and the APKT tickets, each starting from the user's scope."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from meterops.core.choices import RoleCode
from meterops.core.models import User
from meterops.core.scoping import scoped
from meterops.customers.models import Customer, Meter

from .models import Ticket, TokenCall

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


def open_ticket_for(user: User, customer: Customer) -> Ticket | None:
    """The customer's ticket still open, which a new call of the wizard is added to."""
    return (
        scoped(Ticket, user)
        .select_related("process", "unit", "assigned_to")
        .filter(customer=customer, process__is_open=True)
        .first()
    )


def calls_of(ticket: Ticket) -> QuerySet[TokenCall]:
    """The calls of a ticket the user was given (``get_ticket_for``), first to last, with the
    replacement tokens issued on them."""
    return (
        ticket.calls.select_related("agent")
        .prefetch_related("replacements")
        .order_by("created_at", "id")
    )
