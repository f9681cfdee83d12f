"""Transitions of readings, shared by the services modules (not called by views).

A transition of many readings is ``core.transitions.move``: one UPDATE ... WHERE state IN (the
FSM's sources) and one snapshot of the moved rows into the readings' history (and, for the
steps decided per customer, onto their timelines: core ProcessEvent), ONE statement on
PostgreSQL.
"""

from django.db.models import QuerySet

from meterops.core import transitions
from meterops.core.choices import Domain
from meterops.core.models import User
from meterops.core.services import record_event

from .models import Reading


def move(readings: QuerySet, **kwargs) -> int:
    """``core.transitions.move`` for readings: their events go on the reading timeline."""
    return transitions.move(readings, domain=Domain.READING, **kwargs)


def snapshot(readings: QuerySet, **kwargs) -> None:
    """``core.transitions.snapshot`` for readings: their events go on the reading timeline."""
    transitions.snapshot(readings, domain=Domain.READING, **kwargs)


def save_one(reading: Reading, *, verb: str, from_state: str, actor: User, note="") -> None:
    """Save one reading after its FSM transition (history row by simple-history) + timeline."""
    reading._history_user = actor
    reading._change_reason = (note or verb)[:100]
    reading.save()
    record_event(
        customer=reading.customer,
        domain=Domain.READING,
        verb=verb,
        from_state=from_state,
        to_state=reading.state,
        actor=actor,
        note=note,
    )
