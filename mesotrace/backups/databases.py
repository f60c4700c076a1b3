"""The database half of a backup: a consistent dump, its row counts, and its restore.

SQLite is copied with its online backup API, PostgreSQL with pg_dump and pg_restore,
both through django-dbbackup's connectors. Each dump comes with the row count of every
table as the dump saw it, so a restore can prove it brought back every row.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbbackup.db.exceptions import CommandConnectorError
from dbbackup.db.postgresql import PgDumpBinaryConnector
from dbbackup.db.sqlite import SqliteBackupConnector
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper


class RestoreRefused(Exception):
    """A restore that would overwrite data, or that failed part way and was rolled back."""


@dataclass(frozen=True)
class Dump:
    engine: str
    filename: str
    row_counts: dict[str, int]


def engine_of(alias: str = "default") -> str:
    vendor = connections[alias].vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise RestoreRefused(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    return vendor


def dump(folder: Path, alias: str = "default") -> Dump:
    """Writes a consistent dump of the database into folder."""
    if engine_of(alias) == "sqlite":
        return _dump_sqlite(folder, alias)
    return _dump_postgresql(folder, alias)


def restore(dump_file: Path, engine: str, alias: str = "default") -> None:
    """Loads a dump into the database, which must be empty."""
    if engine != engine_of(alias):
        raise RestoreRefused(
            f"This archive holds a {engine} database; the target database is "
            f"{engine_of(alias)}. Set DATABASE_URL to an empty {engine} database."
        )
    tables = table_names(alias)
    if tables:
        raise RestoreRefused(
            f"The target database is not empty ({len(tables)} tables, e.g. {tables[0]}): "
            "restore only into an empty database."
        )
    if engine == "sqlite":
        _restore_sqlite(dump_file, alias)
    else:
        _restore_postgresql(dump_file, alias)


def table_names(alias: str = "default") -> list[str]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        return sorted(connection.introspection.table_names(cursor))


def row_counts(connection: Any, tables: list[str]) -> dict[str, int]:
    """The rows in each table, through a DB-API connection with an execute() shortcut."""
    counts = {}
    for table in tables:
        quoted = '"' + table.replace('"', '""') + '"'
        cursor = connection.execute(f"SELECT COUNT(*) FROM {quoted}")  # noqa: S608
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _dump_sqlite(folder: Path, alias: str) -> Dump:
    target = folder / "database.sqlite3"
    snapshot = SqliteBackupConnector(alias).create_dump()
    with target.open("wb") as out:
        shutil.copyfileobj(snapshot, out)
    snapshot.close()
    with sqlite3.connect(target) as copy:
        check = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise RestoreRefused(f"The SQLite snapshot fails its integrity check: {check}")
        tables = [
            row[0]
            for row in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        counts = row_counts(copy, sorted(tables))
    copy.close()
    return Dump("sqlite", target.name, counts)


def _restore_sqlite(dump_file: Path, alias: str) -> None:
    connection = connections[alias]
    path = Path(str(connection.settings_dict["NAME"]))
    connection.close()
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    with dump_file.open("rb") as source:
        SqliteBackupConnector(alias).restore_dump(source)


@contextmanager
def _exported_snapshot(connection: BaseDatabaseWrapper) -> Iterator[tuple[str, dict[str, int]]]:
    """Counts every table inside one snapshot and exports it, for pg_dump to share."""
    raw = connection.get_new_connection(connection.get_connection_params())
    raw.autocommit = True  # the BEGIN below must be the transaction's first statement
    try:
        raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = str(raw.execute("SELECT pg_export_snapshot()").fetchone()[0])
        tables = [
            row[0]
            for row in raw.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "ORDER BY tablename"
            )
        ]
        yield snapshot, row_counts(raw, tables)
    finally:
        raw.close()  # ends the read-only transaction


def _postgres_connector(alias: str, **options: Any) -> PgDumpBinaryConnector:
    return PgDumpBinaryConnector(alias, **options)


def _dump_postgresql(folder: Path, alias: str) -> Dump:
    target = folder / "database.pgdump"
    with _exported_snapshot(connections[alias]) as (snapshot, counts):
        connector = _postgres_connector(alias, dump_suffix=f"--snapshot={snapshot} --no-owner")
        try:
            output = connector.create_dump()
        except CommandConnectorError as error:
            raise RestoreRefused(f"pg_dump failed: {error}") from None
        with target.open("wb") as out:
            shutil.copyfileobj(output, out)
        output.close()
    return Dump("postgresql", target.name, counts)


def _restore_postgresql(dump_file: Path, alias: str) -> None:
    connections[alias].close()
    # One transaction: a failure part way leaves the database as empty as it was.
    connector = _postgres_connector(
        alias,
        drop=False,
        if_exists=False,
        single_transaction=True,
        restore_suffix=["--no-owner", "--no-privileges", "--exit-on-error"],
    )
    with dump_file.open("rb") as source:
        try:
            connector.restore_dump(source)
        except CommandConnectorError as error:
            raise RestoreRefused(f"pg_restore failed, nothing was restored: {error}") from None
