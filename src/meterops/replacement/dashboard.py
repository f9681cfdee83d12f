"""The HOME panel of the dashboard: targets by state, work orders this month, overdue ones."""

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone

from meterops.core.scoping import scoped

from .choices import TargetState, WorkOrderStatus
from .models import Replacement, ReplacementTarget, WorkOrder


def home_panel(user) -> dict:
    """Figures per ULP for the dashboard; a handful of grouped queries, whatever the volume."""
    now = timezone.localtime()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    overdue_days = user.unit_settings().overdue_work_order_days
    states = _by_unit(
        scoped(ReplacementTarget, user).values("unit__name", "state").annotate(n=Count("pk")),
        "state",
    )
    work_orders = scoped(WorkOrder, user)
    printed = dict(
        work_orders.filter(printed_at__gte=month_start)
        .values("unit__name")
        .annotate(n=Count("pk"))
        .values_list("unit__name", "n")
    )
    replaced = dict(
        scoped(Replacement, user)
        .filter(created_at__gte=month_start)
        .values("unit__name")
        .annotate(n=Count("pk"))
        .values_list("unit__name", "n")
    )
    duration = scoped(Replacement, user).aggregate(
        avg=Avg(
            ExpressionWrapper(
                F("created_at") - F("target__reported_at"), output_field=DurationField()
            )
        )
    )["avg"]
    overdue = (
        work_orders.in_status(WorkOrderStatus.OVERDUE, overdue_days)
        .select_related("target__customer", "assigned_to")
        .order_by("printed_at")
    )
    units = sorted(set(states) | set(printed) | set(replaced))
    rows = [
        {
            "unit": name,
            "printed": printed.get(name, 0),
            "replaced": replaced.get(name, 0),
            "counts": [states.get(name, {}).get(value, 0) for value in TargetState.values],
        }
        for name in units
    ]
    return {
        "rows": rows,
        "states": TargetState.choices,
        "chart": _chart(rows),
        "average_days": _days(duration),
        "overdue": overdue[:10],
        "overdue_count": overdue.count(),
        "overdue_days": overdue_days,
        "month": month_start,
        "open_targets": scoped(ReplacementTarget, user)
        .filter(~Q(state__in=(TargetState.REPLACED, TargetState.DROPPED)))
        .count(),
    }


def _by_unit(rows, key) -> dict[str, dict[str, int]]:
    result: dict[str, dict[str, int]] = {}
    for row in rows:
        result.setdefault(row["unit__name"], {})[row[key]] = row["n"]
    return result


def _days(duration) -> str:
    return f"{duration.total_seconds() / 86400:.1f}" if duration else "-"


BAR_HEIGHT, GAP, LABEL_WIDTH, WIDTH = 12, 10, 150, 560


def _chart(rows) -> dict:
    """Geometry of a grouped bar chart (PK printed vs replaced this month) drawn as SVG."""
    peak = max([max(r["printed"], r["replaced"]) for r in rows] + [1])
    scale = (WIDTH - LABEL_WIDTH - 40) / peak
    bars = []
    for index, row in enumerate(rows):
        y = index * (2 * BAR_HEIGHT + GAP)
        bars.append(
            {
                "label": row["unit"],
                "y": y,
                "label_y": y + BAR_HEIGHT + 4,
                "printed": row["printed"],
                "printed_width": round(row["printed"] * scale, 1),
                "replaced": row["replaced"],
                "replaced_width": round(row["replaced"] * scale, 1),
                "replaced_y": y + BAR_HEIGHT,
            }
        )
    return {
        "bars": bars,
        # Nothing printed or replaced this month: a sentence, not an empty frame.
        "drawn": any(row["printed"] or row["replaced"] for row in rows),
        "height": max(len(rows) * (2 * BAR_HEIGHT + GAP), 1) + 20,
        "width": WIDTH,
        "label_width": LABEL_WIDTH,
        "bar_height": BAR_HEIGHT,
        "legend_y": max(len(rows) * (2 * BAR_HEIGHT + GAP), 1) + 14,
    }
