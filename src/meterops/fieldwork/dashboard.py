"""The deadlines panel on the dashboard: reconnections due at H+1, overdue orders, and the
customers who became eligible for bongkar rampung (seed 004 §VI)."""

from zoneinfo import ZoneInfo

from django.utils import timezone

from meterops.core.scoping import scoped

from .choices import OPEN_STATES, OrderKind
from .models import Arrears, FieldOrder
from .services import dismantling_candidates


def deadline_panel(user) -> dict:
    now = timezone.now()
    orders = scoped(FieldOrder, user).filter(state__in=OPEN_STATES)
    due = (
        orders.filter(due_at__isnull=False)
        .select_related("customer", "assigned_to")
        .order_by("due_at")[:20]
    )
    zone = user.display_time_zone()
    today = timezone.localtime(now, ZoneInfo(zone)).date()
    candidates = dismantling_candidates(scoped(Arrears, user), today=today, zone=zone)
    open_dismantling = set(
        orders.filter(kind=OrderKind.DISMANTLING).values_list("customer_id", flat=True)
    )
    return {
        "due": [{"order": o, "overdue": o.is_overdue(now)} for o in due],
        "overdue_count": orders.filter(due_at__lte=now).count(),
        "open_by_kind": [
            (OrderKind(k).label, n) for k, n in sorted(_count_by_kind(orders).items())
        ],
        "dismantling": [a for a in candidates if a.customer_id not in open_dismantling][:20],
    }


def _count_by_kind(orders) -> dict:
    from django.db.models import Count

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
        "arrears": scoped(Arrears, user).filter(customer=customer).first(),
        "orders": list(orders),
        "now": timezone.now(),
    }
