"""Set-based transitions of readings, shared by the services modules (not called by views).

A transition of many readings is one UPDATE ... WHERE state IN (the FSM's sources) and one
snapshot of the moved rows into the readings' history (and, for the steps decided per
customer, onto their timelines: core ProcessEvent). On PostgreSQL the three are ONE statement,
a data-modifying CTE that reads the rows once; on SQLite an UPDATE then INSERT ... SELECTs.
Table and column names come from the models, every value is a parameter.
"""

from django.db import connection
from django.db.models import QuerySet
from django.db.models.sql.subqueries import UpdateQuery
from django.utils import timezone

from meterops.core.choices import Domain
from meterops.core.models import ProcessEvent, User
from meterops.core.services import record_event

from .models import Reading

HISTORY_OWN_FIELDS = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
}


def without_jit(cursor) -> None:
    """PostgreSQL: no JIT compilation for the rest of this transaction.

    A statement over a reading day has a planner cost far above ``jit_above_cost``, and
    compiling it took longer (0.25 s per reading day) than running it; set-based statements
    over indexed rows gain nothing from JIT.
    """
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL jit = off")


def _history_columns() -> str:
    history = Reading.history.model
    return ", ".join(
        connection.ops.quote_name(f.column)
        for f in history._meta.concrete_fields
        if f.name not in HISTORY_OWN_FIELDS
    )


def _history_insert(source: str) -> str:
    columns = _history_columns()
    return (
        f"INSERT INTO {Reading.history.model._meta.db_table} ({columns}, history_date, "  # noqa: S608
        "history_change_reason, history_type, history_user_id) "
        f"SELECT {columns}, %s, %s, '~', %s FROM {source}"
    )


def _event_insert(source: str) -> str:
    return (
        f"INSERT INTO {ProcessEvent._meta.db_table} (customer_id, unit_id, domain, verb, "  # noqa: S608
        "from_state, to_state, actor_id, at, note, attachment) "
        f"SELECT customer_id, unit_id, %s, %s, %s, {connection.ops.quote_name('state')}, "
        f"%s, %s, %s, '' FROM {source}"
    )


def snapshot(
    readings: QuerySet, *, verb: str, actor: User | None, from_state="", note="", events=False
) -> None:
    """Copy ``readings`` as they are now into their history by one INSERT ... SELECT.

    With ``events``, also onto the customers' timelines (core ProcessEvent).
    """
    subquery, params = readings.order_by().values("pk").query.sql_with_params()
    source = f"{Reading._meta.db_table} WHERE id IN ({subquery})"
    now = timezone.now()
    actor_id = actor.pk if actor else None
    with connection.cursor() as cursor:
        cursor.execute(_history_insert(source), [now, note[:100] or verb, actor_id, *params])
        if events:
            cursor.execute(
                _event_insert(source),
                [Domain.READING, verb, from_state, actor_id, now, note, *params],
            )


def edges(method) -> tuple[list[str], str]:
    """The sources and target the FSM declares for a transition of Reading."""
    transitions = method._django_fsm.transitions
    return list(transitions), next(iter(transitions.values())).target


def move(
    readings: QuerySet, *, method, verb: str, actor: User, note="", events=False, **values
) -> int:
    """Apply one FSM transition to many readings, snapshot them; returns how many moved."""
    sources, target = edges(method)
    from_state = sources[0] if len(sources) == 1 else ""
    stamp = timezone.now()
    movable = readings.filter(state__in=sources)
    values = {"state": target, "updated_at": stamp, **values}
    if connection.vendor == "postgresql":
        return _move_in_one_statement(
            movable,
            values,
            verb=verb,
            actor=actor,
            from_state=from_state,
            note=note,
            events=events,
            stamp=stamp,
        )
    count = movable.update(**values)
    if count:
        # The moved rows no longer match ``readings`` if it filtered on state; SQLite lets one
        # writer at a time, so this transaction's stamp names exactly the rows it moved.
        moved = Reading.objects.filter(state=target, updated_at=stamp)
        snapshot(moved, verb=verb, actor=actor, from_state=from_state, note=note, events=events)
    return count


def _move_in_one_statement(
    readings: QuerySet, values: dict, *, verb, actor, from_state, note, events, stamp
) -> int:
    """WITH moved AS (UPDATE ... RETURNING *) INSERT history / events SELECT ... FROM moved."""
    query = readings.query.chain(UpdateQuery)
    query.add_update_values(values)
    query.annotations = {}
    update_sql, update_params = query.get_compiler(readings.db).as_sql()
    actor_id = actor.pk if actor else None
    sql = f"WITH moved AS ({update_sql} RETURNING *), snap AS ({_history_insert('moved')})"
    params = [*update_params, stamp, note[:100] or verb, actor_id]
    if events:
        sql += f", timeline AS ({_event_insert('moved')})"
        params += [Domain.READING, verb, from_state, actor_id, stamp, note]
    sql += " SELECT COUNT(*) FROM moved"
    with connection.cursor() as cursor:
        without_jit(cursor)
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


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
