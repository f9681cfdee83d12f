"""Reads of the P2TL suspicion list, always from the user's scope (issue #23)."""

from django.db.models import Q
from django.http import Http404

from meterops.core.models import Unit, User
from meterops.core.scoping import scoped
from meterops.customers.models import Customer
from meterops.fieldwork.choices import OPEN_STATES, InspectionFinding, OrderKind
from meterops.fieldwork.models import FieldOrder

from .services import Suspect, Window, suspect_page, suspect_rows, suspect_total, window_for


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
    """The list as a Paginator reads it. The page asked for is fetched with the list's length
    in one statement: the scoring runs once per page view, not once for the count and again
    for the rows."""

    def __init__(self, window: Window, *, page_size: int | None = None, page=None):
        self.window, self.page_size = window, page_size
        number = int(page) if str(page or "").isdigit() and int(page) > 0 else 1
        self.offset = (number - 1) * (page_size or 0)
        self._count: int | None = None
        self._rows: list[Suspect] = []

    def count(self) -> int:
        if self._count is None:
            self._rows, listed = suspect_page(self.window, offset=self.offset, limit=self.page_size)
            # Past the end the page has no row to carry the length: the paginator then
            # shows the last page, which is fetched again.
            if listed is None:
                listed = suspect_total(self.window) if self.offset else 0
            self._count = listed
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, page: slice) -> list["SuspectRow"]:
        self.count()
        if page.start == self.offset:
            return with_details(self._rows[: page.stop - page.start])
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
