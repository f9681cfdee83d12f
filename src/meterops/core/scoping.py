"""Who sees what: the one place that decides which rows a user may see.

A user of a unit sees that unit and every unit below it (a UID its UP3s and ULPs, a ULP
itself); a contractor's user sees the units an admin placed it in, and below, as long as they
lie within the units its contractor works for. Each scoped model names the path from its rows
to their unit in ``SCOPE_LOOKUPS``; ``scoped()`` applies it. Every queryset that reaches a
page, an export or the API starts here.
"""

from django.db import connections, router
from django.db.models import Exists, F, Model, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.db.models.lookups import Exact, StartsWith

from .models import Unit
from .statements import CompiledStatements

# model label -> lookup from the model to its Unit. A domain app registers its own models with
# register_scope() in its AppConfig.ready(), and adds a row maker to tests/<app>/scope_rows.py
# so the matrix in tests/core/test_scoping.py covers it.
SCOPE_LOOKUPS: dict[str, str] = {
    "core.Unit": "pk",
    "core.Contractor": "units",
    "core.UnitSettings": "unit",
    "core.User": "unit",
    "core.Process": "unit",
    "core.ProcessEvent": "unit",
    "customers.Substation": "unit",
    "customers.Route": "unit",
    "customers.Customer": "unit",
    "customers.CustomerTally": "unit",
    "customers.Meter": "customer__unit",
}


# The statement of each unit path's or contractor officer's units (visible_unit_ids).
_UNIT_STATEMENTS = CompiledStatements()


def register_scope(label: str, lookup: str) -> None:
    """Declare how rows of ``label`` ("app.Model") reach their unit, e.g. "customer__unit"."""
    SCOPE_LOOKUPS[label] = lookup


def visible_unit_ids(user) -> frozenset[int] | None:
    """The ids of the units whose rows ``user`` may see; None means every unit (superuser)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return None
    cached = getattr(user, "_visible_unit_ids", None)
    if cached is not None:
        return cached
    if user.unit_id:
        root = user.unit.path
        key = ("unit", root)

        def units():
            return Unit.objects.filter(Q(path=root) | Q(path__startswith=f"{root}/"))

    elif user.contractor_id and user.contractor.is_active:
        key = ("contractor", user.pk, user.contractor_id)

        def units():  # one statement: the units within a placement in force
            within = is_within(OuterRef("path"), F("path"))
            return Unit.objects.filter(Exists(placements_in_force(user).filter(within)))

    else:
        user._visible_unit_ids = frozenset()
        return user._visible_unit_ids
    # Asked on every request: the statement is compiled once per unit path or officer.
    alias = router.db_for_read(Unit)
    sql, params = _UNIT_STATEMENTS.get(
        (alias, *key),
        lambda: units().values_list("pk").query.get_compiler(alias).as_sql(),
    )
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        user._visible_unit_ids = frozenset(pk for (pk,) in cursor.fetchall())
    return user._visible_unit_ids


def is_within(path, root) -> Q:
    """In SQL, as ``Unit.is_within``: the unit at ``path`` is the one at ``root`` or below it."""
    return Q(Exact(path, root)) | Q(StartsWith(path, Concat(root, Value("/"))))


def placements_in_force(user) -> QuerySet:
    """A contractor user's placements that lie within its contractor's units: a unit the
    contractor no longer works for gives the user nothing there (issue #17)."""
    works_for = Unit.objects.filter(contractors=user.contractor_id)
    return user.placed_units.filter(
        Exists(works_for.filter(is_within(OuterRef("path"), F("path"))))
    )


def scoped(queryset: QuerySet | type[Model], user) -> QuerySet:
    """Restrict ``queryset`` to the rows of the units ``user`` may see."""
    if not isinstance(queryset, QuerySet):
        queryset = queryset._default_manager.all()
    model = queryset.model
    lookup = SCOPE_LOOKUPS.get(model._meta.label)
    if lookup is None:
        raise LookupError(f"{model._meta.label} has no entry in core.scoping.SCOPE_LOOKUPS")
    unit_ids = visible_unit_ids(user)
    if unit_ids is None:
        return queryset
    if not unit_ids:
        return queryset.none()
    condition = Q(**{f"{lookup}__in": unit_ids})
    if model._meta.label == "core.User":
        # Contractor staff belong to no unit; they are visible where they are placed.
        condition |= Q(placed_units__in=unit_ids)
    if lookup == "units" or model._meta.label == "core.User":
        # Both walk a many-to-many relation: one row may match through several units.
        return queryset.filter(pk__in=model._default_manager.filter(condition).values("pk"))
    return queryset.filter(condition)
