"""Test databases for backups: where the test database lives, and an empty one to restore into."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from django.db import connection
from psycopg import sql

Rows = dict[str, dict[Any, tuple[Any, ...]]]


def url_of_test_database() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return postgres_url(str(settings["NAME"]))


def postgres_url(name: str) -> str:
    s = connection.settings_dict
    user = s.get("USER") or "postgres"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return (
        f"postgres://{user}{password}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{name}"
    )


@contextmanager
def empty_database(folder: Path) -> Iterator[str]:
    """The URL of a new, empty database of the same kind as the test database, dropped after."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{folder / 'restored.sqlite3'}"
        return
    name = f"mt_ops_restore_{uuid.uuid4().hex[:10]}"
    admin_url = postgres_url("postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield postgres_url(name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextmanager
def opened(url: str) -> Iterator[Any]:
    """A DB-API connection to a database given by URL."""
    if url.startswith("sqlite:///"):
        raw = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            yield raw
        finally:
            raw.close()
        return
    with psycopg.connect(url) as connection:
        yield connection


def table_names(raw: Any) -> list[str]:
    if isinstance(raw, sqlite3.Connection):
        query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    else:
        query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    return sorted(row[0] for row in raw.execute(query))


def read_rows(raw: Any) -> Rows:
    """Every row of every table, keyed by its first column (the primary key in this schema)."""
    tables: Rows = {}
    for table in table_names(raw):
        quoted = '"' + table.replace('"', '""') + '"'
        rows = raw.execute(f"SELECT * FROM {quoted}").fetchall()  # noqa: S608
        tables[table] = {row[0]: tuple(_plain(value) for value in row) for row in rows}
        assert len(tables[table]) == len(rows), f"{table}: its first column is not a key"
    return tables


def _plain(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, memoryview):
        return bytes(value)
    return value
