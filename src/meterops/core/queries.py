"""Reads of the core domain, each starting from what the requesting user may see."""

from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from .choices import UnitLevel
from .directory import customer_directory
from .models import Contractor, Process, ProcessEvent, Unit, User
from .scoping import scoped
from .services import USER_MANAGER_ROLES, ensure_can_manage, manageable_users, require_role


def users_for(actor: User, *, q: str = "", role: str = "", status: str = "") -> QuerySet[User]:
    """The user list offers its actions only on users the actor may manage, so it lists those."""
    users = (
        manageable_users(actor)
        .select_related("unit", "contractor")
        .prefetch_related("roles", "placed_units")
    )
    if q:
        users = users.filter(
            Q(username__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(email__icontains=q)
            | Q(unit__name__icontains=q)
            | Q(contractor__name__icontains=q)
        )
    if role:
        users = users.filter(roles__code=role)
    if status:
        users = users.filter(is_active=(status == "active"))
    return users.order_by("username")


def get_user_for(actor: User, pk: int) -> User:
    """A user the actor may manage: outside the actor's units is 404; without the role, or a
    user whose roles or reach exceed the actor's, 403."""
    user = get_object_or_404(scoped(User, actor), pk=pk)
    require_role(actor, USER_MANAGER_ROLES)
    ensure_can_manage(actor, user)
    return user


def placeable_contractors(actor: User) -> QuerySet[Contractor]:
    """Active contractors whose users the actor may place: those working for a unit in its
    reach, or for a unit above its own (a ULP admin places a UP3 contractor's users in its ULP)."""
    above = actor.unit.ancestor_codes() if actor.unit_id else []
    in_reach = scoped(Contractor, actor).values("pk")
    return (
        Contractor.objects.filter(is_active=True)
        .filter(Q(pk__in=in_reach) | Q(units__code__in=above))
        .distinct()
        .order_by("name")
    )


def open_processes_of(customer) -> QuerySet[Process]:
    return customer.processes.filter(is_open=True).order_by("opened_at")


def timeline_of(customer, *, limit: int = 200) -> QuerySet[ProcessEvent]:
    return customer.events.select_related("actor", "process").order_by("-at", "-id")[:limit]


def get_event_attachment_for(user: User, pk: int) -> ProcessEvent:
    """An event with an attachment in the user's units; any other is a 404."""
    return get_object_or_404(scoped(ProcessEvent, user).exclude(attachment=""), pk=pk)


def active_user_count(user) -> int:
    """Active users the user may see, at every level: ULP, UP3 and UID staff and the
    contractors' staff placed in its units, not only the ULPs' rows of the dashboard."""
    return scoped(User, user).filter(is_active=True).count()


def dashboard_rows(user) -> tuple[list[dict], datetime | None]:
    """Per service unit (ULP) the user may see: customers, users and open processes; and when
    the customers were counted (a kept tally, None when counted now)."""
    units = scoped(Unit, user).filter(level=UnitLevel.SERVICE_POINT).order_by("path")
    customers, counted_at = customer_directory().count_by_unit(user)
    users = dict(
        scoped(User, user)
        .filter(unit__isnull=False, is_active=True)
        .values("unit")
        .annotate(n=Count("pk"))
        .values_list("unit", "n")
    )
    processes = dict(
        scoped(Process, user)
        .filter(is_open=True)
        .values("unit")
        .annotate(n=Count("pk"))
        .values_list("unit", "n")
    )
    rows = [
        {
            "unit": unit,
            "customers": customers.get(unit.pk, 0),
            "users": users.get(unit.pk, 0),
            "open_processes": processes.get(unit.pk, 0),
        }
        for unit in units
    ]
    return rows, counted_at
