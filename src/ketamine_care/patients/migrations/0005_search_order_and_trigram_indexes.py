"""Search at a million patients (patients/search.py).

Both databases: one index in the search's order (clinic, family name, given name, id) of the
active patients (the only ones searched), so a page is read in index order after the previous
page's last patient, and a family-name prefix is counted from the index alone; it replaces
the index on (clinic, family name), a prefix of it.

PostgreSQL only: the pg_trgm extension and trigram (GIN) indexes on the lower-cased names, so
a word found inside a name (`LIKE '%arci%'`) is looked up, not scanned for. pg_trgm ships
with PostgreSQL and is a trusted extension: the database's owner may create it. SQLite runs
the same LIKE without an index (small databases), with the same results.
"""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Q

TRIGRAM_INDEXES = {
    "patient_family_trgm": "family_name_search",
    "patient_given_trgm": "given_name_search",
}


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in TRIGRAM_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON patients_patient "
            f"USING gin ({column} gin_trgm_ops)"
        )


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_clinic_time_zone"),
        ("patients", "0004_patient_no_known_drug_allergies"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(model_name="patient", name="patient_family_search"),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(
                fields=["clinic", "family_name_search", "given_name_search", "id"],
                name="patient_search_order",
                condition=Q(status="active"),
            ),
        ),
        migrations.RunPython(forward, reverse),
    ]
