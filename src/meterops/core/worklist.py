"""The officer's work list: one list, fed by every domain that hands orders to field officers.

A domain adds its orders with ``register_work_source(kind, function, query=WorkQuery(...))`` in
its AppConfig.ready(); the function takes the officer (and ``since``) and returns ``WorkItem``s of
the orders assigned to that officer and still open (HOME work orders, fieldwork orders, KCT
targets, readings sent back for re-reading). The API serves the list (``GET /api/work-list``)
without knowing the domains.

The field app polls the list, so asking again must be cheap (issue #22). ``WorkQuery`` holds a
source's one filter: the function builds its items from it, and the same filter gives the
validator (``work_list_tag``: one aggregate per source, all in one statement, no row leaves the
database) and the ids still on the list (for a delta, ``since``, also one statement), so the
list and its validator cannot disagree.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.functions import Concat

from .scoping import visible_unit_ids
from .statements import CompiledStatements

# The API's version in the validator: a new answer shape makes every phone fetch in full.
WORK_LIST_FORMAT = "1"

# A row's updated_at is taken before its transaction commits, so a change committed just after
# a list was generated can carry an earlier time; a delta looks back this far to catch it.
SINCE_OVERLAP = timedelta(seconds=60)


@dataclass
class WorkItem:
    kind: str
    id: int
    reference: str
    title: str
    state: str
    state_label: str
    version: datetime
    assigned_at: datetime | None
    customer: object
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class WorkQuery:
    """A source's open orders of an officer (``open``), and the fields whose newer value means
    the item the phone holds is stale (``changes``: the item's version and whatever else its
    detail is read from through a foreign key). ``kind_field`` names the column that completes
    the item's kind (fieldwork's ``fieldwork.<kind>``)."""

    kind: str
    open: Callable[..., QuerySet]
    changes: tuple[str, ...] = ("updated_at",)
    kind_field: str | None = None

    def changed_since(self, user, since: datetime | None) -> QuerySet:
        queryset = self.open(user)
        if since is None:
            return queryset
        after = since - SINCE_OVERLAP
        changed = Q()
        for name in self.changes:
            changed |= Q(**{f"{name}__gt": after})
        return queryset.filter(changed)

    def fingerprint(self, user, width: int, connection) -> tuple[str, list] | None:
        """SQL of one row: the source, how many, which (the sum of the ids and of their squares:
        one leaving while another arrives moves both) and the newest change of each of
        ``changes``, padded to ``width`` with NULL so that every source's row has the same
        columns; None when the source gives this user nothing (``none()``).

        The ORM compiles only the source's filter (``open``); the aggregate around it is plain
        SQL: compiling an aggregate query costs the 304 more than running it (issue #22)."""
        columns = {"worklist_id": F("pk")}
        columns.update((f"worklist_changed_{i}", F(name)) for i, name in enumerate(self.changes))
        rows = self.open(user).order_by().values(**columns)
        try:
            sql, params = rows.query.get_compiler(connection=connection).as_sql()
        except EmptyResultSet:
            return None
        qn = connection.ops.quote_name
        item = f"t.{qn('worklist_id')}"
        newest = [
            f"MAX(t.{qn(f'worklist_changed_{i}')})" if i < len(self.changes) else "NULL"
            for i in range(width)
        ]
        return (
            # Only quoted names and the ORM's own SQL: every value is a parameter.
            f"SELECT %s, COUNT(*), SUM({item}), SUM({item} * {item}), {', '.join(newest)} "  # noqa: S608
            f"FROM ({sql}) t",
            [self.kind, *params],
        )

    def ids(self, user) -> QuerySet:
        """``(kind, id)`` of every open order, the kind completed by ``kind_field`` if any."""
        if self.kind_field is None:
            kind = Value(self.kind, output_field=CharField())
        else:
            kind = Concat(Value(f"{self.kind}."), F(self.kind_field), output_field=CharField())
        return self.open(user).order_by().annotate(item_kind=kind).values_list("item_kind", "pk")


@dataclass(frozen=True)
class WorkSource:
    items: Callable[..., list[WorkItem]]
    query: WorkQuery


WORK_SOURCES: dict[str, WorkSource] = {}
# Bumped by each registration: a statement compiled for other sources is not used again.
_sources_version = 0


def register_work_source(kind: str, source: Callable, *, query: WorkQuery) -> None:
    global _sources_version
    WORK_SOURCES[kind] = WorkSource(source, query)
    _sources_version += 1


def work_list_for(user, since: datetime | None = None) -> list[WorkItem]:
    """The officer's list, or with ``since`` only the items changed after it (and a little
    before, ``SINCE_OVERLAP``)."""
    items: list[WorkItem] = []
    for source in WORK_SOURCES.values():
        items.extend(source.items(user, since=since))
    return sorted(items, key=lambda item: (item.assigned_at is None, item.assigned_at, item.id))


def work_list_ids(user) -> list[str]:
    """``kind:id`` of every item on the officer's list now, for the phone to drop the others
    (every source in one statement)."""
    rows = [source.query.ids(user) for _kind, source in sorted(WORK_SOURCES.items())]
    found = rows[0].union(*rows[1:], all=True) if rows else []
    return sorted(f"{kind}:{pk}" for kind, pk in found)


# Compiled validator statements, by what the sources' filters read of the officer (below).
_TAG_STATEMENTS = CompiledStatements()


def _fingerprint_width() -> int:
    """How many change columns each source's fingerprint row has (the widest source's)."""
    return max((len(source.query.changes) for source in WORK_SOURCES.values()), default=0)


def _tag_statement(user, connection) -> tuple[str, list] | None:
    """The validator's one statement for ``user``, or None when no source gives it anything.

    Compiled once per officer, roles and units: the sources' filters read nothing else of the
    user (no clock, no other row), so the same key gives the same SQL and parameters, and the
    statement runs fresh on every request. Building and compiling the five filters through the
    ORM was ~60 % of a 304's CPU (issue #22, docs/BENCHMARKS.md)."""
    key = (
        connection.alias,
        user.pk,
        user.is_superuser,
        visible_unit_ids(user),
        user.role_codes,
        _sources_version,
    )

    def compile_statement():
        width = _fingerprint_width()
        statements, params = [], []
        for _kind, source in sorted(WORK_SOURCES.items()):
            if (fingerprint := source.query.fingerprint(user, width, connection)) is not None:
                statements.append(fingerprint[0])
                params.extend(fingerprint[1])
        return (" UNION ALL ".join(statements), params) if statements else None

    return _TAG_STATEMENTS.get(key, compile_statement)


def work_list_tag(user) -> str:
    """The list's validator: the officer, the answer's format and each source's fingerprint,
    every source in one statement (``UNION ALL``: the 304 is one round trip, issue #22)."""
    # The primary, as the list itself: a validator must not miss a write a replica lags behind.
    connection = connections[DEFAULT_DB_ALIAS]
    width = _fingerprint_width()
    found = {}
    if (statement := _tag_statement(user, connection)) is not None:
        with connection.cursor() as cursor:
            cursor.execute(*statement)
            found = {row[0]: row[1:] for row in cursor.fetchall()}
    # A source that gives the user nothing reads as an empty one; values as text, the same
    # whichever database or branch of the statement typed them.
    empty = (0, *[None] * (2 + width))
    parts = [WORK_LIST_FORMAT, str(user.pk)]
    for kind in sorted(WORK_SOURCES):
        values = tuple(None if v is None else str(v) for v in found.get(kind, empty))
        parts.append(f"{kind}={values!r}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
