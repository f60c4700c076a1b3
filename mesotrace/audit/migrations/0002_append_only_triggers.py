"""Database triggers that refuse changes to audit records, whatever code path tries.

PostgreSQL refuses UPDATE and DELETE. SQLite refuses UPDATE; its DELETE is left to the
model and queryset guards because Django's test flush empties tables with DELETE.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

POSTGRES_UP = [
    """
    CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'audit records are append-only';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
    """,
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS audit_no_update ON audit_auditevent;",
    "DROP FUNCTION IF EXISTS audit_append_only();",
]
SQLITE_UP = [
    """
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
    """,
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS audit_no_update;"]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]
