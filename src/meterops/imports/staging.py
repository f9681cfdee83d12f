"""The staging table (imports.UploadRow) in SQL: how rows get in, and how domains read them.

Rows go in with COPY on PostgreSQL and bulk_create elsewhere. A domain's apply reads its batch
with plain SQL over ``imports_uploadrow``; ``cell(alias, header)`` is the text of one cell on
either database, so one statement serves both.
"""

from collections.abc import Sequence

import orjson
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models.expressions import RawSQL

from .cells import as_text
from .models import UploadRow
from .registry import CheckedRow, RowStatus

ROW_COLUMNS = (
    "upload_id",
    "row_number",
    "batch",
    "status",
    "customer_id",
    "cells",
    "raw",
    "error_column",
    "reason",
    "record_id",
)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def cell(alias: str, header: str) -> str:
    """SQL for the text of one staged cell (headers are code constants, never user input)."""
    if not header.replace("_", "").isalnum():
        raise ValueError(header)
    if is_postgres():
        return f"({alias}.cells->>'{header}')"
    return f"json_extract({alias}.cells, '$.{header}')"


def zero_padded(expression: str, width: int) -> str:
    """At least ``width`` digits, like Python's f"{n:0{width}d}" (lpad alone would cut)."""
    if is_postgres():
        return f"to_char(({expression}), 'FM{'9' * (19 - width)}{'0' * width}')"
    return f"printf('%%0{width}d', {expression})"


def relax_commit() -> None:
    """For this transaction only (PostgreSQL): do not wait at COMMIT for the WAL to reach the
    disk (``synchronous_commit = off``) and no JIT for its bulk statements.

    A batch's COMMIT otherwise waits ~0.1 s for its megabytes of WAL. A database crash right
    after can lose the last commits, but never part of one, and always the later ones first
    (WAL order): the upload then shows fewer batches applied (or the check not finished) and
    applying/checking again resumes from there, as after a killed worker. JIT compiles these
    set-based statements for longer than it runs them.
    """
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off; SET LOCAL jit = off")


def many(values, db_type: str):
    """The right-hand side of ``__in`` for thousands of keys (ids, IDPELs): on PostgreSQL one
    text parameter the server splits (psycopg would adapt an array in Python, key by key)."""
    values = [str(v) for v in values]
    if db_type not in ("bigint", "text") or any("," in v for v in values):
        raise ValueError("keys must be plain ids or codes")
    if not is_postgres():
        return values
    sql = f"SELECT unnest(string_to_array(%s, ','))::{db_type}"  # db_type: one of two
    return RawSQL(sql, [",".join(values)])  # noqa: S611


def fetch(queryset, *fields: str) -> list[tuple]:
    """The rows of ``queryset.values_list(*fields)`` without the ORM's per-row machinery: for
    lookups of thousands of plain values (ids, codes) in the middle of a big upload."""
    try:
        sql, params = queryset.values_list(*fields).query.sql_with_params()
    except EmptyResultSet:  # e.g. an empty ``__in`` list
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def refresh_statistics() -> None:
    """ANALYZE the staging table after a check (PostgreSQL): it may have grown by hundreds of
    thousands of rows since autovacuum last looked, and apply's per-batch statements must be
    planned on index lookups, not on a table the planner still believes is small."""
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE imports_uploadrow")


def stage_rows(upload_id: int, batch: int, rows: Sequence[CheckedRow]) -> None:
    """Write one checked chunk into the staging table, set-based."""
    if is_postgres():
        sql = f"COPY imports_uploadrow ({', '.join(ROW_COLUMNS)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            copy.write("".join(_copy_line(upload_id, batch, row) for row in rows))
        return
    UploadRow.objects.bulk_create(
        [
            UploadRow(
                upload_id=upload_id,
                row_number=row.row_number,
                batch=batch,
                status=row.status.value,
                customer_id=row.customer_id,
                cells=row.cells,
                raw=[as_text(v) for v in row.raw] if row.status == RowStatus.REJECTED else [],
                error_column=row.column,
                reason=row.reason,
                record_id=row.record_id,
            )
            for row in rows
        ],
        batch_size=2000,
    )


def _copy_line(upload_id: int, batch: int, row: CheckedRow) -> str:
    """One staged row in COPY's text format (tab-separated, \\N for NULL, backslash escapes),
    written by hand: psycopg's per-value adaptation costs more than the rest of the row."""
    rejected = row.status == RowStatus.REJECTED
    raw = orjson.dumps([as_text(v) for v in row.raw]).decode() if rejected else "[]"
    return (
        "\t".join(
            (
                str(upload_id),
                str(row.row_number),
                str(batch),
                row.status.value,
                "\\N" if row.customer_id is None else str(row.customer_id),
                _copy_text(orjson.dumps(row.cells, default=str).decode()),
                _copy_text(raw),
                _copy_text(row.column),
                _copy_text(row.reason),
                "\\N" if row.record_id is None else str(row.record_id),
            )
        )
        + "\n"
    )


def _copy_text(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return value


def reject_rows(*, upload, batch: int, status: str, where: str, params, column: str, reason: str):
    """Reject the batch's rows of ``status`` matching ``where`` (SQL over alias r); apply's
    way to say a row it could not write after all (e.g. a concurrent upload got there first)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE imports_uploadrow SET status = %s, error_column = %s, reason = %s "  # noqa: S608
            "WHERE id IN (SELECT r.id FROM imports_uploadrow r "
            f"WHERE r.upload_id = %s AND r.batch = %s AND r.status = %s AND ({where}))",
            [RowStatus.REJECTED.value, column, reason, upload.pk, batch, status, *params],
        )
        return cursor.rowcount


def lock_customers(*, upload, batch: int) -> None:
    """Row-lock the customers this batch writes, in id order (PostgreSQL SELECT … FOR UPDATE).

    A second upload touching one of them waits here until the first one's batch commits, then
    sees its rows; SQLite takes one writer at a time anyway.
    """
    if not is_postgres():
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.id FROM customers_customer c WHERE c.id IN ("
            " SELECT r.customer_id FROM imports_uploadrow r WHERE r.upload_id = %s"
            " AND r.batch = %s AND r.status IN ('new', 'changed')) ORDER BY c.id FOR UPDATE",
            [upload.pk, batch],
        )
