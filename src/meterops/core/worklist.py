"""The officer's work list: one list, fed by every domain that hands orders to field officers.

A domain adds its orders with ``register_work_source(kind, function, query=WorkQuery(...))`` in
its AppConfig.ready(); the function takes the officer (and ``since``) and returns ``WorkItem``s of
the orders assigned to that officer and still open (HOME work orders, fieldwork orders, KCT
targets, readings sent back for re-reading). The API serves the list (``GET /api/work-list``)
without knowing the domains.

The field app polls the list, so asking again must be cheap (issue #22). ``WorkQuery`` holds a
source's one filter: the function builds its items from it, and the same filter gives the
validator (``work_list_tag``: one aggregate query per source, no row leaves the database) and the
ids still on the list (for a delta, ``since``), so the list and its validator cannot disagree.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, Max, Q, QuerySet, Sum

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

    def fingerprint(self, user) -> tuple:
        """How many, which (the sum of the ids and of their squares: one leaving while another
        arrives moves both) and the newest change, computed in SQL."""
        row = (
            self.open(user)
            .order_by()
            .aggregate(
                count=Count("pk"),
                ids=Sum("pk"),
                squares=Sum(F("pk") * F("pk")),
                **{f"changed_{i}": Max(name) for i, name in enumerate(self.changes)},
            )
        )
        return tuple(row.values())

    def ids(self, user) -> list[str]:
        if self.kind_field is None:
            return [f"{self.kind}:{pk}" for pk in self.open(user).values_list("pk", flat=True)]
        rows = self.open(user).order_by().values_list(self.kind_field, "pk")
        return [f"{self.kind}.{kind}:{pk}" for kind, pk in rows]


@dataclass(frozen=True)
class WorkSource:
    items: Callable[..., list[WorkItem]]
    query: WorkQuery


WORK_SOURCES: dict[str, WorkSource] = {}


def register_work_source(kind: str, source: Callable, *, query: WorkQuery) -> None:
    WORK_SOURCES[kind] = WorkSource(source, query)


def work_list_for(user, since: datetime | None = None) -> list[WorkItem]:
    """The officer's list, or with ``since`` only the items changed after it (and a little
    before, ``SINCE_OVERLAP``)."""
    items: list[WorkItem] = []
    for source in WORK_SOURCES.values():
        items.extend(source.items(user, since=since))
    return sorted(items, key=lambda item: (item.assigned_at is None, item.assigned_at, item.id))


def work_list_ids(user) -> list[str]:
    """``kind:id`` of every item on the officer's list now, for the phone to drop the others."""
    return sorted(ident for source in WORK_SOURCES.values() for ident in source.query.ids(user))


def work_list_tag(user) -> str:
    """The list's validator: the officer, the answer's format and each source's fingerprint."""
    parts = [WORK_LIST_FORMAT, str(user.pk)]
    for kind, source in sorted(WORK_SOURCES.items()):
        parts.append(f"{kind}={source.query.fingerprint(user)!r}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
