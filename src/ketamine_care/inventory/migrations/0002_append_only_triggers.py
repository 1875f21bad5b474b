"""Make ledger entries append-only at the database level (PostgreSQL and SQLite triggers),
as audit/migrations/0002 does for the audit trail. Corrections are new entries."""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION inventory_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'inventory_ledgerentry is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON inventory_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION inventory_ledger_append_only();
CREATE TRIGGER ledger_entry_no_delete BEFORE DELETE ON inventory_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION inventory_ledger_append_only();
CREATE TRIGGER ledger_entry_no_truncate BEFORE TRUNCATE ON inventory_ledgerentry
    FOR EACH STATEMENT EXECUTE FUNCTION inventory_ledger_append_only();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS ledger_entry_no_update ON inventory_ledgerentry;
DROP TRIGGER IF EXISTS ledger_entry_no_delete ON inventory_ledgerentry;
DROP TRIGGER IF EXISTS ledger_entry_no_truncate ON inventory_ledgerentry;
DROP FUNCTION IF EXISTS inventory_ledger_append_only();
"""
SQLITE_FORWARD = [
    """CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON inventory_ledgerentry
       BEGIN SELECT RAISE(ABORT, 'inventory_ledgerentry is append-only: UPDATE is not allowed');
       END;""",
    """CREATE TRIGGER ledger_entry_no_delete BEFORE DELETE ON inventory_ledgerentry
       BEGIN SELECT RAISE(ABORT, 'inventory_ledgerentry is append-only: DELETE is not allowed');
       END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS ledger_entry_no_update;",
    "DROP TRIGGER IF EXISTS ledger_entry_no_delete;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_ledger")]
    operations = [migrations.RunPython(forward, reverse)]
