"""An index that answers "the keys of this batch" (`idempotency_key LIKE 'batch:%'`) for one
session on PostgreSQL, where a LIKE prefix cannot use the unique (session, key) index under a
non-C collation and the replay check of every vitals batch read the whole table. SQLite
answers it from the unique index already."""

from django.db import migrations

PG_FORWARD = (
    "CREATE INDEX IF NOT EXISTS reading_key_prefix ON treatment_sessions_vitalsignsreading "
    "(session_id, idempotency_key text_pattern_ops)"
)
PG_REVERSE = "DROP INDEX IF EXISTS reading_key_prefix"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [("treatment_sessions", "0009_alert_checkpoints")]

    operations = [migrations.RunPython(forward, reverse)]
