"""Writing millions of generated rows fast, for benchmark databases: raw executemany on
SQLite, COPY on PostgreSQL, and (bulk mode) secondary indexes rebuilt after the load.

Rows come as columns (numpy arrays, lists, or one value for every row); a column the
caller leaves out gets the model field's default, and a required one without a default
is an error that names it, so a new model field cannot be skipped silently.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Max

from mesotrace.demo.generator import DemoError

BATCH_ROWS = 200_000
SQLITE_BULK_CACHE_KIB = 1024 * 1024  # for the index builds


@dataclass(frozen=True)
class Take:
    """A column given as `values[index]`, expanded one batch at a time to save memory."""

    values: npt.NDArray[Any]
    index: npt.NDArray[np.int64]


def _batch(column: object, start: int, stop: int) -> Iterable[Any]:
    if isinstance(column, Take):
        return column.values[column.index[start:stop]].tolist()  # type: ignore[no-any-return]
    if isinstance(column, np.ndarray):
        return column[start:stop].tolist()  # type: ignore[no-any-return]
    if isinstance(column, list):
        return column[start:stop]
    return itertools.repeat(column, stop - start)  # one value for every row


def _default(model: type[models.Model], field: models.Field[Any, Any]) -> object:
    value = field.get_default()
    if value is None and not field.null:
        raise DemoError(
            f"{model.__name__}.{field.name} is required and has no default: "
            "the generator must give it a value."
        )
    return field.get_db_prep_save(value, connection)


def _columns(
    model: type[models.Model], values: Mapping[str, object]
) -> tuple[list[str], list[Any]]:
    """Every concrete column of the model: the given values, else the field's default."""
    fields = model._meta.concrete_fields
    unknown = set(values) - {f.attname for f in fields}
    if unknown:
        raise DemoError(f"{model.__name__} has no column {', '.join(sorted(unknown))}.")
    names = [connection.ops.quote_name(f.column) for f in fields]
    return names, [values[f.attname] if f.attname in values else _default(model, f) for f in fields]


def _write(table: str, names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    columns = ", ".join(names)
    if connection.vendor == "postgresql":
        statement = f"COPY {table} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        return
    connection.ensure_connection()
    marks = ", ".join("?" * len(names))
    insert = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
    connection.connection.executemany(insert, rows)


def load(model: type[models.Model], count: int, values: Mapping[str, object]) -> None:
    """Writes `count` rows in batches, one transaction per batch, skipping the ORM.

    Ids are given, not generated, so rows can point at rows written in the same load;
    `reset_sequences` afterwards moves PostgreSQL's id sequences past them.
    """
    names, columns = _columns(model, values)
    table = connection.ops.quote_name(model._meta.db_table)
    for start in range(0, count, BATCH_ROWS):
        stop = min(count, start + BATCH_ROWS)
        rows = zip(*(_batch(column, start, stop) for column in columns), strict=False)
        with transaction.atomic():
            _write(table, names, rows)


def first_id(model: type[models.Model]) -> int:
    return int(model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1


def reset_sequences(tables: Sequence[type[models.Model]]) -> None:
    """PostgreSQL's id sequences, past the ids written (SQLite's follow by themselves)."""
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(tables)):
            cursor.execute(statement)


# --- Bulk mode ---------------------------------------------------------------------------

_POSTGRES_INDEXES = """
    SELECT i.relname, pg_get_indexdef(x.indexrelid)
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
    WHERE x.indrelid = %s::regclass AND NOT EXISTS (
        SELECT 1 FROM pg_constraint c
        WHERE c.conrelid = x.indrelid AND c.conindid = x.indexrelid AND c.contype IN ('p', 'u', 'x')
    )
    ORDER BY i.relname
"""
_SQLITE_INDEXES = """
    SELECT name, sql FROM sqlite_master
    WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL ORDER BY name
"""


def secondary_indexes(tables: Sequence[str]) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the plain indexes on the tables; constraints stay put."""
    query = _POSTGRES_INDEXES if connection.vendor == "postgresql" else _SQLITE_INDEXES
    found: list[tuple[str, str]] = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(query, [table])
            found += [(name, sql) for name, sql in cursor.fetchall()]
    return found


def drop_indexes(indexes: Sequence[tuple[str, str]]) -> None:
    with connection.cursor() as cursor:
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")


def create_indexes(indexes: Sequence[tuple[str, str]]) -> None:
    with connection.cursor() as cursor:
        for _name, sql in indexes:
            cursor.execute(sql)


def refuse_bulk_in_transaction() -> None:
    if connection.in_atomic_block:
        raise DemoError("A bulk load commits batch by batch: run it outside a transaction.")


@contextmanager
def fast_writes() -> Iterator[None]:
    """This connection's settings for a bulk load, put back afterwards.

    PostgreSQL: asynchronous commit, memory for the index builds, and (for a superuser)
    no foreign-key triggers, as pg_restore does. SQLite: no fsync, a large page cache,
    no foreign-key checks. The rows must be valid by construction.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET maintenance_work_mem = '1GB'")
            with suppress(DatabaseError):  # not a superuser: every row's keys are checked
                cursor.execute("SET session_replication_role = replica")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
                cursor.execute("RESET maintenance_work_mem")
                cursor.execute("RESET session_replication_role")
        return
    with _sqlite_pragmas(synchronous="OFF", cache_size=str(-SQLITE_BULK_CACHE_KIB)):
        unchecked = connection.disable_constraint_checking()
        try:
            yield
        finally:
            if unchecked:
                connection.enable_constraint_checking()


@contextmanager
def _sqlite_pragmas(**settings: str) -> Iterator[None]:
    with connection.cursor() as cursor:
        before = {}
        for name, value in settings.items():
            cursor.execute(f"PRAGMA {name}")
            before[name] = str(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA {name} = {value}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in before.items():
                cursor.execute(f"PRAGMA {name} = {value}")


def analyze() -> None:
    """Planner statistics; on PostgreSQL also the visibility map, before autovacuum would."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE")
