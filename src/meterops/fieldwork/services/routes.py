"""Route and substation updating (seed 004 §IV): the route/substation mismatches, survey
orders, move proposals (decided, then applied) and kWh per RBM per gardu.
"""

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from meterops.core.choices import Domain
from meterops.core.errors import InvalidInput
from meterops.core.models import Unit, User
from meterops.core.scoping import scoped
from meterops.core.services import require_role, require_unit
from meterops.core.transitions import move
from meterops.customers.models import Customer, Route, Substation

from ..choices import OrderKind, ProposalState
from ..models import FieldOrder, MoveProposal
from .orders import (
    ISSUERS,
    VERIFIERS,
    _check_recorder,
    _complete,
    _issue,
    _locked,
)


def route_substation_mismatches(customers: QuerySet) -> list[dict]:
    """Pencocokan data pelanggan per RBM dengan per gardu: a customer whose substation is not
    the one most of its route's customers hang on, or who lacks a route or a substation."""
    counts = (
        customers.filter(route__isnull=False, substation__isnull=False)
        .values("route_id", "substation_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    main: dict[int, tuple[int, int]] = {}
    for row in counts:
        best = main.get(row["route_id"])
        if best is None or (row["n"], -row["substation_id"]) > (best[1], -best[0]):
            main[row["route_id"]] = (row["substation_id"], row["n"])
    odd = Q(route__isnull=True) | Q(substation__isnull=True)
    for route_id, (substation_id, _n) in main.items():
        odd |= Q(route_id=route_id) & ~Q(substation_id=substation_id)
    rows = []
    subs = dict(
        Substation.objects.filter(pk__in=[s for s, _ in main.values()]).values_list("pk", "code")
    )
    for c in (
        customers.filter(odd)
        .select_related("route", "substation")
        .order_by("route__code", "route_sequence", "customer_id")[:2000]
    ):
        expected = main.get(c.route_id)
        rows.append(
            {
                "customer": c,
                "expected_substation": subs.get(expected[0]) if expected else None,
                "reason": (
                    _("Tanpa RBM")
                    if c.route_id is None
                    else _("Tanpa gardu")
                    if c.substation_id is None
                    else _("Gardu berbeda dari RBM")
                ),
            }
        )
    return rows


@transaction.atomic
def issue_survey_orders(*, actor: User, customers: QuerySet) -> int:
    """Survey ke lokasi pelanggan (gardu) for the mismatches (seed 004 §IV, step 4)."""
    require_role(actor, ISSUERS)
    return _issue(
        actor=actor,
        customers=scoped(customers, actor),
        kind=OrderKind.SURVEY,
        verb="order_issued",
        note=str(OrderKind.SURVEY.label),
    )


@transaction.atomic
def record_survey(
    *,
    actor: User,
    order: FieldOrder,
    route: Route | None,
    substation: Substation | None,
    sequence: int | None,
    note: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> FieldOrder:
    """The surveyor records where the customer really is; a difference becomes a proposal."""
    order = _locked(order, actor, OrderKind.SURVEY)
    _check_recorder(actor, order)
    customer = order.customer
    for field, obj in (("route", route), ("substation", substation)):
        if obj is not None and obj.unit_id != customer.unit_id:
            raise InvalidInput(field, _("RBM/gardu %(o)s bukan milik ULP pelanggan.") % {"o": obj})
    order.note, order.latitude, order.longitude = note, latitude, longitude
    _complete(order, actor, timezone.now(), "surveyed", note)
    if (route and route.pk != customer.route_id) or (
        substation and substation.pk != customer.substation_id
    ):
        MoveProposal.objects.create(
            unit_id=customer.unit_id,
            customer=customer,
            survey=order,
            from_route_id=customer.route_id,
            to_route=route or customer.route,
            to_sequence=sequence,
            from_substation_id=customer.substation_id,
            to_substation=substation or customer.substation,
            proposed_by=actor,
        )
    return order


@transaction.atomic
def decide_move_proposals(*, actor: User, proposals: QuerySet, accept: bool) -> int:
    """Verifikasi data pelanggan per RBM: the supervisor accepts or rejects proposals."""
    require_role(actor, VERIFIERS)
    target = ProposalState.VERIFIED if accept else ProposalState.REJECTED
    chosen = scoped(proposals, actor).filter(state=ProposalState.PROPOSED)
    ids = list(chosen.values_list("pk", flat=True))
    return move(
        MoveProposal.objects.filter(pk__in=ids),
        method=MoveProposal.verify if accept else MoveProposal.reject,
        verb=f"fieldwork.move_{target}",
        actor=actor,
        events=True,
        domain=Domain.FIELDWORK,
        verified_by=actor,
    )


@transaction.atomic
def apply_move_proposals(*, actor: User, unit: Unit) -> int:
    """Menyerahkan data hasil updating RBM per gardu: every verified proposal of the unit is
    applied in one service, set-based (one UPDATE per destination)."""
    require_role(actor, VERIFIERS)
    require_unit(actor, unit)
    proposals = MoveProposal.objects.select_for_update().filter(
        unit=unit, state=ProposalState.VERIFIED
    )
    rows = list(
        proposals.values_list("pk", "customer_id", "to_route_id", "to_substation_id", "to_sequence")
    )
    groups: dict[tuple, list[int]] = defaultdict(list)
    for _pk, customer_id, route_id, substation_id, sequence in rows:
        groups[(route_id, substation_id, sequence)].append(customer_id)
    now = timezone.now()
    for (route_id, substation_id, sequence), ids in groups.items():
        values = {"route_id": route_id, "substation_id": substation_id, "updated_at": now}
        if sequence is not None:
            values["route_sequence"] = sequence
        Customer.objects.filter(pk__in=ids).update(**values)
    move(
        MoveProposal.objects.filter(pk__in=[pk for pk, *_rest in rows]),
        method=MoveProposal.apply,
        verb="fieldwork.move_applied",
        actor=actor,
        events=True,
        domain=Domain.FIELDWORK,
        applied_at=now,
    )
    return len(rows)


def kwh_per_route_substation(readings: QuerySet) -> list[dict]:
    """Laporan pemakaian energi/kWh per RBM per gardu (seed 004 §IV, last step)."""
    from django.db.models import Sum

    return list(
        readings.values("customer__route__code", "customer__substation__code")
        .annotate(customers=Count("customer_id"), kwh=Sum("consumption_kwh"))
        .order_by("customer__route__code", "customer__substation__code")
    )
