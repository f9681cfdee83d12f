"""Reads of the HOME workflow, each starting from what the requesting user may see."""

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from meterops.core.scoping import scoped

from .models import Replacement, ReplacementTarget, WorkOrder


def targets_for(user) -> QuerySet[ReplacementTarget]:
    return scoped(ReplacementTarget, user).select_related(
        "customer", "unit", "damage_type", "meter"
    )


def get_target_for(user, pk: int) -> ReplacementTarget:
    return get_object_or_404(targets_for(user), pk=pk)


def filter_targets(
    targets: QuerySet,
    *,
    unit=None,
    source="",
    state="",
    damage_type=None,
    date_from: date | None = None,
    date_to: date | None = None,
    customer_id: str = "",
) -> QuerySet[ReplacementTarget]:
    """The filters of Data APP Rusak; every one of them is served by an index on (unit, ...)."""
    if unit is not None:
        targets = targets.filter(unit__path__startswith=unit.path)
    if source:
        targets = targets.filter(source=source)
    if state:
        targets = targets.filter(state=state)
    if damage_type is not None:
        targets = targets.filter(damage_type=damage_type)
    if date_from:
        targets = targets.filter(reported_at__gte=_start_of(date_from))
    if date_to:
        targets = targets.filter(reported_at__lt=_start_of(date_to + timedelta(days=1)))
    if customer_id:
        targets = targets.filter(customer__customer_id__startswith=customer_id)
    return targets.order_by("-reported_at", "-id")


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def targets_in_state(user, *states: str) -> QuerySet[ReplacementTarget]:
    return targets_for(user).filter(state__in=states).order_by("reported_at", "id")


def work_orders_for(user) -> QuerySet[WorkOrder]:
    # The work order PDF prints the customer's gardu and RBM and the unit's parents.
    return scoped(WorkOrder, user).select_related(
        "target__customer__substation",
        "target__customer__route",
        "target__damage_type",
        "target__meter",
        "unit__parent__parent",
        "assigned_to",
        "printed_by",
    )


def replacements_for(user) -> QuerySet[Replacement]:
    return scoped(Replacement, user).select_related(
        "target__customer", "unit", "old_meter", "new_meter", "officer"
    )
