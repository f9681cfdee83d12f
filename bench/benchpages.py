"""Page timing with the test client, the planner's view of what a page runs, and table sizes.

Shared by the benchmarks that time pages as users see them (bench_replacement, bench_uid).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

EXECUTION = re.compile(r"Execution Time: ([\d.]+) ms")


def logged_in_clients(usernames: dict[str, str]) -> dict:
    """A test Client per label, logged in as its user (no captcha, no password hashing)."""
    from django.test import Client

    from meterops.core.models import User

    clients = {}
    for label, username in usernames.items():
        clients[label] = Client(HTTP_HOST="localhost")
        clients[label].force_login(User.objects.get(username=username))
    return clients


def timed_gets(client, url: str, params: dict, count: int) -> list[float]:
    """Milliseconds of ``count`` GETs after one warm-up; every answer must be a 200."""
    client.get(url, params)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(url, params)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, params, response.status_code)
    return times


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p95 of 50 values is the 48th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def page_statements(client, url: str, params: dict) -> list[str]:
    """The SQL one GET of the page runs, in order."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url, params)
    return [query["sql"] for query in captured.captured_queries]


def explain(statement: str) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of one statement, as its lines."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
        return [row[0] for row in cursor.fetchall()]


def slowest_statement(client, url: str, params: dict) -> tuple[float, str, list[str]]:
    """The page's SELECT with the longest execution time by EXPLAIN ANALYZE, and its plan.

    Only SELECTs are explained: ANALYZE runs the statement, and the session's own writes
    (last-seen stamps) are not what a page is measured by.
    """
    worst = (0.0, "", [])
    for statement in page_statements(client, url, params):
        if not statement.lstrip().upper().startswith("SELECT"):
            continue
        plan = explain(statement)
        found = EXECUTION.search(plan[-1]) or EXECUTION.search("\n".join(plan))
        ms = float(found.group(1)) if found else 0.0
        if ms >= worst[0]:
            worst = (ms, statement, plan)
    return worst


@contextmanager
def slow_statement_plans(min_ms: int) -> Iterator[list[str]]:
    """The plans (EXPLAIN ANALYZE, BUFFERS) of every statement this connection runs for
    ``min_ms`` or longer inside the block, nested ones included (PostgreSQL's auto_explain,
    sent to this client as notices): a job's plans, kept beside its figure.

    The per-node timing it adds makes the statements somewhat slower while the block runs."""
    from django.db import connection

    plans: list[str] = []
    connection.ensure_connection()
    raw = connection.connection

    def keep(diagnostic) -> None:
        if "duration:" in (diagnostic.message_primary or ""):
            plans.append(diagnostic.message_primary)

    settings = {
        "auto_explain.log_min_duration": str(min_ms),
        "auto_explain.log_analyze": "on",
        "auto_explain.log_buffers": "on",
        "auto_explain.log_nested_statements": "on",
        "auto_explain.log_level": "notice",
    }
    with connection.cursor() as cursor:
        cursor.execute("LOAD 'auto_explain'")
        for name, value in settings.items():
            cursor.execute("SELECT set_config(%s, %s, false)", [name, value])
    raw.add_notice_handler(keep)
    try:
        yield plans
    finally:
        raw.remove_notice_handler(keep)
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('auto_explain.log_min_duration', '-1', false)")


def short_sql(statement: str, width: int = 600) -> str:
    """The statement with its select list elided, cut to ``width`` characters."""
    statement = re.sub(r"^SELECT .*? FROM ", "SELECT ... FROM ", statement, flags=re.S)
    return statement if len(statement) <= width else statement[:width] + " ..."


def table_sizes(prefixes: tuple[str, ...]) -> list[tuple[str, int, int]]:
    """(table, estimated rows, bytes with indexes and TOAST) of the tables with these prefixes,
    largest first; run after ANALYZE so reltuples is current."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, greatest(c.reltuples, 0)::bigint, pg_total_relation_size(c.oid)"
            " FROM pg_class c WHERE c.relkind = 'r'"
            " AND c.relnamespace = 'public'::regnamespace AND c.relname LIKE ANY(%s)"
            " ORDER BY 3 DESC",
            [[prefix + "%" for prefix in prefixes]],
        )
        return cursor.fetchall()
