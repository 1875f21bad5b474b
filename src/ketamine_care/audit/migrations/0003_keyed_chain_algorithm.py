"""Each audit event names how its hash was made: "sha256" for every event written before the
chain was keyed (they keep verifying as before), "hmac-sha256:<key id>" for new ones.

Adding a NOT NULL column makes SQLite rebuild the table, which drops its triggers; the
append-only triggers of 0002 are put back afterwards (and again after the reverse rebuild).
PostgreSQL adds the column in place: no row is updated and its triggers stay.
"""

from django.db import migrations, models

# Copied from 0002: migrations do not import each other's code.
SQLITE_TRIGGERS = [
    "DROP TRIGGER IF EXISTS audit_event_no_update;",
    "DROP TRIGGER IF EXISTS audit_event_no_delete;",
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: UPDATE is not allowed'); END;""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: DELETE is not allowed'); END;""",
]


def restore_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_triggers"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, restore_sqlite_triggers),
        migrations.AddField(
            model_name="auditevent",
            name="algorithm",
            field=models.CharField(default="sha256", max_length=40),
        ),
        migrations.RunPython(restore_sqlite_triggers, migrations.RunPython.noop),
    ]
