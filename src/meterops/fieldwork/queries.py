"""Reads of the fieldwork domain, each starting from what the requesting user may see."""

from decimal import Decimal

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from meterops.core.models import Contractor, Unit
from meterops.core.scoping import scoped
from meterops.reading.models import previous_period

from .choices import OrderKind
from .models import (
    Arrears,
    AuditMonth,
    AuditSample,
    Campaign,
    FieldOrder,
    MoveProposal,
    OfficerTarget,
)

GROUPS = {
    "contractor": ("audit__contractor__name", "Vendor"),
    "reader": ("reader", "Petugas baca"),
    "route": ("route__code", "RBM"),
}


def audits_for(user) -> QuerySet[AuditMonth]:
    return scoped(AuditMonth, user).select_related("unit", "contractor", "drawn_by")


def get_audit_for(user, pk: int) -> AuditMonth:
    return get_object_or_404(audits_for(user), pk=pk)


def orders_for(user, *, kind: str = "", state: str = "") -> QuerySet[FieldOrder]:
    orders = scoped(FieldOrder, user).select_related("customer", "assigned_to", "unit")
    if user.contractor_id:
        # A company sees the orders still to hand out and its own officers', not another's.
        orders = orders.filter(
            Q(assigned_to__isnull=True) | Q(assigned_to__contractor_id=user.contractor_id)
        )
    if user.has_role("field_officer") and not user.has_role(
        "supervisor", "admin", "contractor_admin", "unit_admin"
    ):
        orders = orders.filter(Q(assigned_to=user) | Q(assigned_to__isnull=True))
    if kind:
        orders = orders.filter(kind=kind)
    if state:
        orders = orders.filter(state=state)
    return orders.order_by("-issued_at", "-id")


def get_order_for(user, pk: int) -> FieldOrder:
    return get_object_or_404(
        orders_for(user).select_related(
            "sample",
            "sample__audit",
            "arrears",
            "arrears__notice_signer",
            "campaign",
            "anomaly",
            "replacement_target",
        ),
        pk=pk,
    )


def _rates(row: dict) -> dict:
    def pct(part, whole):
        return (Decimal(part) * 100 / whole).quantize(Decimal("0.1")) if whole else None

    row["schedule_pct"] = pct(row["on_schedule"], row["scheduled"])
    row["accuracy_pct"] = pct(row["accurate"], row["checked"])
    return row


def _figures(samples: QuerySet, *keys: str) -> QuerySet:
    return (
        samples.values(*keys)
        .annotate(
            sampled=Count("pk"),
            scheduled=Count("pk", filter=Q(on_schedule__isnull=False)),
            on_schedule=Count("pk", filter=Q(on_schedule=True)),
            checked=Count("pk", filter=Q(accurate__isnull=False)),
            accurate=Count("pk", filter=Q(accurate=True)),
        )
        .order_by(*keys)
    )


def scorecards(user, period: str, unit_id: int | None = None) -> dict[str, list[dict]]:
    """The month's figures per contractor, reader and route: one GROUP BY each."""
    samples = scoped(AuditSample, user).filter(audit__period=period)
    if unit_id:
        samples = samples.filter(audit__unit_id=unit_id)
    result = {}
    for name, (key, _label) in GROUPS.items():
        result[name] = [_rates({**row, "name": row[key] or "-"}) for row in _figures(samples, key)]
    return result


def trend(user, period: str, unit_id: int | None = None, months: int = 6) -> list[dict]:
    """The last ``months`` periods' schedule and accuracy rates, oldest first."""
    periods = [previous_period(period, n) for n in range(months - 1, -1, -1)]
    samples = scoped(AuditSample, user).filter(audit__period__in=periods)
    if unit_id:
        samples = samples.filter(audit__unit_id=unit_id)
    found = {row["audit__period"]: _rates(dict(row)) for row in _figures(samples, "audit__period")}
    return [
        found.get(
            p,
            _rates(
                {
                    "audit__period": p,
                    "sampled": 0,
                    "scheduled": 0,
                    "on_schedule": 0,
                    "checked": 0,
                    "accurate": 0,
                }
            ),
        )
        for p in periods
    ]


def trend_chart(points: list[dict], width: int = 360, height: int = 160) -> dict:
    """Coordinates of an SVG chart of the two rates (0–100 %) over the periods."""
    left, top, bottom = 30, 10, 30
    inner_w, inner_h = width - left - 10, height - top - bottom
    step = inner_w / max(len(points) - 1, 1)

    def y(pct):
        return round(top + inner_h - float(pct) * inner_h / 100, 1)

    series = {}
    for key in ("schedule_pct", "accuracy_pct"):
        coords = [
            (round(left + i * step, 1), y(p[key]))
            for i, p in enumerate(points)
            if p[key] is not None
        ]
        series[key] = {"points": " ".join(f"{x},{yy}" for x, yy in coords), "dots": coords}
    return {
        "width": width,
        "height": height,
        "left": left,
        "top": top,
        "bottom": top + inner_h,
        "right": left + inner_w,
        "labels": [(round(left + i * step, 1), p["audit__period"]) for i, p in enumerate(points)],
        "grid": [(y(v), v) for v in (0, 50, 100)],
        "schedule": series["schedule_pct"],
        "accuracy": series["accuracy_pct"],
    }


def campaigns_for(user) -> list[dict]:
    """Each campaign with its progress: orders by outcome, delivered share."""
    from .choices import DELIVERED_OUTCOMES, OrderState

    campaigns = (
        scoped(Campaign, user)
        .select_related("unit")
        .annotate(
            total=Count("orders"),
            done=Count(
                "orders", filter=Q(orders__state__in=[OrderState.DONE, OrderState.VERIFIED])
            ),
            delivered=Count("orders", filter=Q(orders__outcome__in=DELIVERED_OUTCOMES)),
        )
    )
    return list(campaigns)


def campaign_progress_by_unit(user) -> list[dict]:
    """Notice orders per ULP: total, done and delivered (seed 004 §V, progress per unit)."""
    from .choices import DELIVERED_OUTCOMES, OrderState

    return list(
        scoped(FieldOrder, user)
        .filter(kind=OrderKind.NOTICE)
        .values("unit__name")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=Q(state__in=[OrderState.DONE, OrderState.VERIFIED])),
            delivered=Count("pk", filter=Q(outcome__in=DELIVERED_OUTCOMES)),
        )
        .order_by("unit__name")
    )


RESPONSIBILITY = {
    "vendor": _("Vendor pemutus"),
    "unit": _("ULP"),
}


def arrears_for(user, *, minimum: int = 0, q: str = "", responsible: str = "") -> QuerySet[Arrears]:
    """The arrears the user sees, each with ``vendor_answers`` (seed 004 §VI notes) and the
    vendor of its latest disconnection order (``cut_by``)."""
    from .services import vendor_answers

    last_vendor = (
        FieldOrder.objects.filter(
            arrears=OuterRef("pk"),
            kind=OrderKind.DISCONNECTION,
            assigned_to__contractor__isnull=False,
        )
        .order_by("-issued_at", "-id")
        .values("assigned_to__contractor__name")[:1]
    )
    rows = (
        scoped(Arrears, user)
        .select_related("customer", "unit", "notice_signer")
        .annotate(
            vendor_answers=ExpressionWrapper(vendor_answers(), output_field=BooleanField()),
            cut_by=Subquery(last_vendor),
        )
    )
    if minimum:
        rows = rows.filter(bills__gte=minimum)
    if q:
        rows = rows.filter(customer__customer_id__startswith=q)
    if responsible == "vendor":
        rows = rows.filter(vendor_answers())
    elif responsible == "unit":
        rows = rows.exclude(vendor_answers())
    return rows.order_by("-bills", "customer__customer_id")


def unit_vendors(unit_ids) -> dict[int, str]:
    """The contractors working for each unit (for it or a unit above it), by name."""
    units = Unit.objects.filter(pk__in=set(unit_ids))
    vendors = list(Contractor.objects.filter(is_active=True).prefetch_related("units"))
    return {
        u.pk: ", ".join(
            sorted({c.name for c in vendors if any(u.is_within(w) for w in c.units.all())})
        )
        for u in units
    }


def _party(*, vendor_answers: bool, cut_by: str | None, unit_id: int, unit_name: str, vendors):
    if not vendor_answers:
        return f"{RESPONSIBILITY['unit']} {unit_name}"
    vendor = cut_by or vendors.get(unit_id) or _("belum ditetapkan")
    return f"{RESPONSIBILITY['vendor']}: {vendor}"


def responsible_party(arrears: Arrears, vendors: dict[int, str]) -> str:
    """Who answers for the customer, as the list and the Excel report show it."""
    return _party(
        vendor_answers=arrears.vendor_answers,
        cut_by=arrears.cut_by,
        unit_id=arrears.unit_id,
        unit_name=arrears.unit.name,
        vendors=vendors,
    )


def responsibility_summary(rows: QuerySet[Arrears]) -> list[dict]:
    """Customers and amounts per answering party: one GROUP BY over the filtered arrears."""
    groups = list(
        rows.order_by()
        .values("vendor_answers", "cut_by", "unit_id")
        .annotate(customers=Count("pk"), amount=Sum("amount"))
    )
    vendors = unit_vendors(g["unit_id"] for g in groups)
    units = dict(Unit.objects.filter(pk__in=vendors).values_list("pk", "name"))
    totals: dict[str, dict] = {}
    for g in groups:
        party = _party(
            vendor_answers=g["vendor_answers"],
            cut_by=g["cut_by"],
            unit_id=g["unit_id"],
            unit_name=units[g["unit_id"]],
            vendors=vendors,
        )
        row = totals.setdefault(party, {"party": party, "customers": 0, "amount": Decimal(0)})
        row["customers"] += g["customers"]
        row["amount"] += g["amount"] or Decimal(0)
    return sorted(totals.values(), key=lambda r: (-r["customers"], r["party"]))


def proposals_for(user) -> QuerySet[MoveProposal]:
    return scoped(MoveProposal, user).select_related(
        "customer", "from_route", "to_route", "from_substation", "to_substation"
    )


def plan_orders_for(user) -> QuerySet[FieldOrder]:
    """Orders behind schedules, targets and visit lists: a contractor's user sees only those of
    its own officers, not another company's working the same unit."""
    orders = scoped(FieldOrder, user)
    if user.contractor_id:
        orders = orders.filter(assigned_to__contractor_id=user.contractor_id)
    return orders


def plan_targets_for(user) -> QuerySet[OfficerTarget]:
    targets = scoped(OfficerTarget, user)
    if user.contractor_id:
        targets = targets.filter(officer__contractor_id=user.contractor_id)
    return targets
