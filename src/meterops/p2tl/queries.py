"""Reads of the P2TL suspicion list, always from the user's scope (issue #23)."""

from django.db.models import Q
from django.http import Http404

from meterops.core.models import Unit, User
from meterops.core.scoping import scoped
from meterops.customers.models import Customer
from meterops.fieldwork.choices import OPEN_STATES, InspectionFinding, OrderKind
from meterops.fieldwork.models import FieldOrder

from .services import Suspect, Window, count_suspects, suspect_rows, window_for


def units_for(user: User):
    """The units whose list the user may open."""
    return scoped(Unit, user).order_by("path")


def window_of(user: User, unit: Unit | None) -> Window:
    """The window of ``unit`` (default: the user's own) and every unit below it that the user
    sees; a unit outside the user's reach is not found."""
    unit = unit or user.unit
    if unit is None or not units_for(user).filter(pk=unit.pk).exists():
        raise Http404
    ids = list(
        units_for(user)
        .filter(Q(pk=unit.pk) | Q(path__startswith=f"{unit.path}/"))
        .values_list("pk", flat=True)
    )
    return window_for(unit, ids)


class SuspectList:
    """The list as a Paginator reads it: a count, and one page fetched by slicing."""

    def __init__(self, window: Window):
        self.window = window

    def count(self) -> int:
        return count_suspects(self.window)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, page: slice) -> list["SuspectRow"]:
        rows = suspect_rows(self.window, offset=page.start, limit=page.stop - page.start)
        return with_details(rows)

    def all(self) -> list["SuspectRow"]:
        return with_details(suspect_rows(self.window))


class SuspectRow:
    def __init__(self, suspect: Suspect, customer: Customer, orders: list[FieldOrder]):
        self.suspect, self.customer = suspect, customer
        self.score, self.reasons = suspect.score, suspect.reasons()
        self.open_order = next((o for o in orders if o.state in OPEN_STATES), None)
        self.violation = next(
            (o for o in orders if o.inspection_finding == InspectionFinding.VIOLATION), None
        )


def with_details(suspects: list[Suspect]) -> list[SuspectRow]:
    """The customers of a page and their P2TL inspections, in two queries."""
    ids = [s.customer_id for s in suspects]
    customers = Customer.objects.select_related("unit").in_bulk(ids)
    orders: dict[int, list[FieldOrder]] = {}
    for order in FieldOrder.objects.filter(
        customer_id__in=ids, kind=OrderKind.P2TL_INSPECTION
    ).order_by("-issued_at", "-id"):
        orders.setdefault(order.customer_id, []).append(order)
    return [
        SuspectRow(s, customers[s.customer_id], orders.get(s.customer_id, [])) for s in suspects
    ]
