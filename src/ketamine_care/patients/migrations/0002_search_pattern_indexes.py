"""PostgreSQL: pattern-ops indexes so `LIKE 'abc%'` prefix search uses an index under any
collation. SQLite needs nothing more than the plain indexes of 0001."""

from django.db import migrations

INDEXES = {
    "patient_family_pattern": "family_name_search",
    "patient_given_pattern": "given_name_search",
    "patient_mrn_pattern": "mrn_search",
}


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON patients_patient "
            f"(clinic_id, {column} varchar_pattern_ops)"
        )


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("patients", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
