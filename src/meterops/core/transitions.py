"""Batch writes: the set-based counterparts of core.services' single ones (DESIGN.md, Workflows).

``move`` applies one django-fsm-2 transition to every row of a queryset of any domain's model:
one UPDATE ... WHERE state IN (the transition's sources) to its target, taken from the state
machine itself, then what ``save()``, ``advance_process`` and ``record_event`` write for one
row, for all of them at once: the history rows (models with django-simple-history), the
processes' new state (models with a ``process``) and the events on the customers' timelines.
On PostgreSQL that is ONE statement, a data-modifying CTE that reads the moved rows once;
elsewhere an UPDATE then INSERT ... SELECTs.

``Opening`` is ``open_process`` for a batch of staged rows (an upload): the one-open-process
rule as an SQL condition per row, and the INSERTs of the processes and their "opened" events.

Table and column names come from the models, every value is a parameter.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.sql.subqueries import UpdateQuery
from django.utils import timezone

from .models import Process, ProcessEvent, User

HISTORY_OWN_FIELDS = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
}
EVENT_COLUMNS = (
    "process_id, customer_id, unit_id, domain, verb, from_state, to_state, state_label, "
    "actor_id, at, note, attachment"
)


def without_jit(cursor) -> None:
    """PostgreSQL: no JIT compilation for the rest of this transaction.

    A statement over a reading day has a planner cost far above ``jit_above_cost``, and
    compiling it took longer (0.25 s per reading day) than running it; set-based statements
    over indexed rows gain nothing from JIT.
    """
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL jit = off")


def edges(method) -> tuple[list[str], str]:
    """The sources and target the state machine declares for a transition."""
    transitions = method._django_fsm.transitions
    return list(transitions), next(iter(transitions.values())).target


def _state_name(method) -> str:
    field = method._django_fsm.field
    return getattr(field, "name", field)  # the field, or its name before the model is ready


def _has_history(model: type[Model]) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


def _has_process(model: type[Model]) -> bool:
    return any(f.name == "process" and f.related_model is Process for f in model._meta.fields)


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _history_insert(model: type[Model], source: str) -> str:
    history = model.history.model
    columns = ", ".join(
        _quote(f.column) for f in history._meta.concrete_fields if f.name not in HISTORY_OWN_FIELDS
    )
    return (
        f"INSERT INTO {history._meta.db_table} ({columns}, history_date, "  # noqa: S608
        "history_change_reason, history_type, history_user_id) "
        f"SELECT {columns}, %s, %s, '~', %s FROM {source}"
    )


def _event_insert(model: type[Model], source: str, state: str) -> str:
    process = "process_id" if _has_process(model) else "NULL"
    return (
        f"INSERT INTO {ProcessEvent._meta.db_table} ({EVENT_COLUMNS}) "  # noqa: S608
        f"SELECT {process}, customer_id, unit_id, %s, %s, %s, {_quote(state)}, %s, %s, %s, %s, '' "
        f"FROM {source}"
    )


def _process_update(source: str, closes: bool) -> str:
    closing = ", is_open = FALSE, closed_at = %s" if closes else ""
    return (
        f"UPDATE {Process._meta.db_table} SET state = %s, state_label = %s, "  # noqa: S608
        f"updated_at = %s{closing} WHERE id IN (SELECT process_id FROM {source})"
    )


@dataclass
class _Writes:
    """What one move writes beside the moved rows, as (SQL over ``source``, params) pairs."""

    model: type[Model]
    state: str
    target: str
    verb: str
    actor_id: int | None
    from_state: str
    note: str
    domain: str | None
    events: bool
    closes: bool
    stamp: datetime

    @property
    def label(self) -> str:
        choices = dict(self.model._meta.get_field(self.state).flatchoices)
        return str(choices.get(self.target, self.target))

    def statements(self, source: str) -> list[tuple[str, list]]:
        statements = []
        if _has_history(self.model):
            statements.append(
                (
                    _history_insert(self.model, source),
                    [self.stamp, self.note[:100] or self.verb, self.actor_id],
                )
            )
        process = _has_process(self.model)
        if process:
            params = [self.target, self.label, self.stamp] + ([self.stamp] if self.closes else [])
            statements.append((_process_update(source, self.closes), params))
        if self.events:
            statements.append(
                (
                    _event_insert(self.model, source, self.state),
                    [
                        self.domain,
                        self.verb,
                        self.from_state,
                        self.label if process else "",
                        self.actor_id,
                        self.stamp,
                        self.note,
                    ],
                )
            )
        return statements


def move(
    rows: QuerySet,
    *,
    method,
    verb: str,
    actor: User | None,
    note: str = "",
    events: bool = False,
    domain: str | None = None,
    closes: bool = False,
    **values,
) -> int:
    """Apply one FSM transition to many rows, set-based; returns how many moved.

    Only rows in one of the transition's sources move. Each moved row gets its history row
    (if its model keeps history) and its process the new state (closed with ``closes``); with
    ``events``, one event each on the ``domain``'s timeline, as ``advance_process`` and
    ``record_event`` write for one row.
    """
    if events and domain is None:
        raise ValueError("move with events needs the domain of their timeline")
    sources, target = edges(method)
    state = _state_name(method)
    model = rows.model
    stamp = timezone.now()
    writes = _Writes(
        model=model,
        state=state,
        target=target,
        verb=verb,
        actor_id=actor.pk if actor else None,
        from_state=sources[0] if len(sources) == 1 else "",
        note=note,
        domain=domain,
        events=events,
        closes=closes,
        stamp=stamp,
    )
    movable = rows.filter(**{f"{state}__in": sources})
    values = {state: target, "updated_at": stamp, **values}
    if connection.vendor == "postgresql":
        return _move_in_one_statement(movable, values, writes)
    count = movable.update(**values)
    if count:
        # The moved rows no longer match ``rows`` if it filtered on state; SQLite lets one
        # writer at a time, so this transaction's stamp names exactly the rows it moved.
        moved = model._base_manager.filter(**{state: target, "updated_at": stamp})
        _write_beside(moved, writes)
    return count


def _source_of(rows: QuerySet) -> tuple[str, list]:
    subquery, params = rows.order_by().values("pk").query.sql_with_params()
    return f"{rows.model._meta.db_table} WHERE id IN ({subquery})", list(params)


def _write_beside(rows: QuerySet, writes: _Writes) -> None:
    source, source_params = _source_of(rows)
    with connection.cursor() as cursor:
        for sql, params in writes.statements(source):
            cursor.execute(sql, [*params, *source_params])


def _move_in_one_statement(rows: QuerySet, values: dict, writes: _Writes) -> int:
    """WITH moved AS (UPDATE ... RETURNING *) INSERT history / UPDATE processes / INSERT
    events ... FROM moved."""
    query = rows.query.chain(UpdateQuery)
    query.add_update_values(values)
    query.annotations = {}
    try:
        update_sql, params = query.get_compiler(rows.db).as_sql()
    except EmptyResultSet:  # e.g. pk__in=[]: nothing to move, as QuerySet.update() says
        return 0
    ctes = [f"moved AS ({update_sql} RETURNING *)"]
    params = list(params)
    for n, (sql, more) in enumerate(writes.statements("moved")):
        ctes.append(f"w{n} AS ({sql})")
        params += more
    with connection.cursor() as cursor:
        without_jit(cursor)
        cursor.execute(f"WITH {', '.join(ctes)} SELECT COUNT(*) FROM moved", params)  # noqa: S608
        return cursor.fetchone()[0]


def snapshot(
    rows: QuerySet,
    *,
    verb: str,
    actor: User | None,
    domain: str | None = None,
    from_state: str = "",
    note: str = "",
    events: bool = False,
) -> None:
    """Copy ``rows`` as they are now into their history by one INSERT ... SELECT.

    With ``events``, also onto the customers' timelines of ``domain`` (core ProcessEvent).
    """
    if events and domain is None:
        raise ValueError("snapshot with events needs the domain of their timeline")
    model = rows.model
    source, source_params = _source_of(rows)
    now = timezone.now()
    actor_id = actor.pk if actor else None
    with connection.cursor() as cursor:
        cursor.execute(
            _history_insert(model, source), [now, note[:100] or verb, actor_id, *source_params]
        )
        if events:
            cursor.execute(
                _event_insert(model, source, "state"),
                [domain, verb, from_state, "", actor_id, now, note, *source_params],
            )


@dataclass(frozen=True)
class Opening:
    """``open_process`` for many customers at once: what their new processes start as.

    Its SQL pieces use named parameters (``params``) and read the customer and unit from
    columns of the caller's source, so an upload composes them with its own INSERTs into one
    statement.
    """

    domain: str
    kind: str
    state: str
    state_label: str
    actor: User | None
    note: str
    at: datetime

    @property
    def params(self) -> dict:
        return {
            "opening_domain": self.domain,
            "opening_kind": self.kind,
            "opening_state": self.state,
            "opening_label": self.state_label,
            "opening_actor": self.actor.pk if self.actor else None,
            "opening_note": self.note,
            "opening_at": self.at,
            "opening_verb": f"{self.domain}.opened",
        }

    def taken(self, customer: str) -> str:
        """SQL: the customer in column ``customer`` has an open process of the domain
        (``ensure_no_open_process``, one index probe per row)."""
        # A scalar subquery: a join or EXISTS lets the planner hash every open process.
        return (
            f"(SELECT TRUE FROM {Process._meta.db_table} p WHERE p.customer_id = {customer}"  # noqa: S608
            " AND p.domain = %(opening_domain)s AND p.is_open LIMIT 1) IS NOT NULL"
        )

    def insert_processes(
        self, source: str, *, reference: str, customer: str, unit: str, process_id: str = ""
    ) -> str:
        """INSERT one open process per row of ``source`` (with its id if ``process_id``)."""
        id_column, id_value = ("id, ", f"{process_id}, ") if process_id else ("", "")
        return (
            f"INSERT INTO {Process._meta.db_table} ({id_column}created_at, updated_at, "  # noqa: S608
            "customer_id, unit_id, domain, kind, reference, state, state_label, is_open, "
            f"opened_at) SELECT {id_value}%(opening_at)s, %(opening_at)s, {customer}, {unit}, "
            f"%(opening_domain)s, %(opening_kind)s, {reference}, %(opening_state)s, "
            f"%(opening_label)s, TRUE, %(opening_at)s FROM {source}"
        )

    def insert_events(self, source: str, *, process_id: str, customer: str, unit: str) -> str:
        """INSERT the "opened" event of each process of ``source``, as ``open_process`` does."""
        return (
            f"INSERT INTO {ProcessEvent._meta.db_table} ({EVENT_COLUMNS}) "  # noqa: S608
            f"SELECT {process_id}, {customer}, {unit}, %(opening_domain)s, %(opening_verb)s, '', "
            "%(opening_state)s, %(opening_label)s, %(opening_actor)s, %(opening_at)s, "
            f"%(opening_note)s, '' FROM {source}"
        )


def record_process_events(
    cursor, *, processes: str, params: list, verb: str, actor: User | None, note: str, at
) -> None:
    """``record_event`` on each process whose id ``processes`` (SQL) selects: one INSERT, the
    processes' current state as from and to (a change within the state)."""
    cursor.execute(
        f"INSERT INTO {ProcessEvent._meta.db_table} ({EVENT_COLUMNS}) "  # noqa: S608
        "SELECT p.id, p.customer_id, p.unit_id, p.domain, %s, p.state, p.state, p.state_label, "
        f"%s, %s, %s, '' FROM {Process._meta.db_table} p WHERE p.id IN ({processes})",
        [verb, actor.pk if actor else None, at, note, *params],
    )
