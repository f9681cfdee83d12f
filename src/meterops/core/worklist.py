"""The officer's work list: one list, fed by every domain that hands orders to field officers.

A domain adds its orders with ``register_work_source(kind, function)`` in its AppConfig.ready();
the function takes the officer and returns ``WorkItem``s of the orders assigned to that officer
and still open (HOME work orders, fieldwork orders, KCT targets, readings sent back for
re-reading). The API serves the list (``GET /api/worklist``) without knowing the domains.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


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


WORK_SOURCES: dict[str, Callable] = {}


def register_work_source(kind: str, source: Callable) -> None:
    WORK_SOURCES[kind] = source


def work_list_for(user) -> list[WorkItem]:
    items: list[WorkItem] = []
    for source in WORK_SOURCES.values():
        items.extend(source(user))
    return sorted(items, key=lambda item: (item.assigned_at is None, item.assigned_at, item.id))
