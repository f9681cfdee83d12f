"""The deadlines panel on the dashboard: reconnections due at H+1, results reported later than
H+1, overdue orders, and the customers who became eligible for bongkar rampung (seed 004 §VI).
Every deadline and date is read in its own unit's zone."""

from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from meterops.core.scoping import scoped

from .choices import OPEN_STATES, OrderKind
from .models import Arrears, FieldOrder
from .services import dismantling_candidates, unit_zones

LATE_REPORT_DAYS = 30  # the panel counts late reports of the last month


def deadline_panel(user) -> dict:
    now = timezone.now()
    orders = scoped(FieldOrder, user).filter(state__in=OPEN_STATES)
    due = list(
        orders.filter(due_at__isnull=False)
        .select_related("customer", "assigned_to")
        .order_by("due_at")[:20]
    )
    late_reports = (
        scoped(FieldOrder, user)
        .filter(
            kind__in=(OrderKind.DISCONNECTION, OrderKind.RECONNECTION),
            reported_late=True,
            reported_at__gte=now - timedelta(days=LATE_REPORT_DAYS),
        )
        .select_related("customer", "recorded_by")
        .order_by("-reported_at")
    )
    late = list(late_reports[:10])
    candidates = dismantling_candidates(scoped(Arrears, user))
    open_dismantling = set(
        orders.filter(kind=OrderKind.DISMANTLING).values_list("customer_id", flat=True)
    )
    dismantling = [a for a in candidates if a.customer_id not in open_dismantling][:20]
    zones = unit_zones([o.unit_id for o in due + late] + [a.unit_id for a in dismantling])
    for row in (*due, *late, *dismantling):
        row.zone = zones[row.unit_id]
    return {
        "due": [{"order": o, "overdue": o.is_overdue(now)} for o in due],
        "overdue_count": orders.filter(due_at__lte=now).count(),
        "late_reports": late,
        "late_report_count": late_reports.count(),
        "open_by_kind": [
            (OrderKind(k).label, n) for k, n in sorted(_count_by_kind(orders).items())
        ],
        "dismantling": dismantling,
    }


def _count_by_kind(orders) -> dict:
    return dict(orders.values("kind").annotate(n=Count("pk")).values_list("kind", "n").order_by())


def customer_status(user, customer) -> dict:
    """The fieldwork block of Cek Status Terakhir: arrears and the customer's recent orders."""
    orders = (
        scoped(FieldOrder, user)
        .filter(customer=customer)
        .select_related("assigned_to")
        .order_by("-issued_at", "-id")[:10]
    )
    return {
        "arrears": scoped(Arrears, user)
        .select_related("notice_signer")
        .filter(customer=customer)
        .first(),
        "orders": list(orders),
        "now": timezone.now(),
        "zone": unit_zones([customer.unit_id])[customer.unit_id],
    }
