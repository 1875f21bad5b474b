"""Search at a million patients, second part (patients/search.py).

`SearchName`: the distinct lower-cased family and given names of each clinic's patients. A
word found inside names ("omar" in Kalomar) is looked up among these few names, and the
patients are then found by equality on an index that answers alone, instead of rechecking
every patient row a trigram index proposes. On PostgreSQL the database keeps the table:
statement triggers on every insert and update of patients add the names of the rows written
(bulk SQL, imports and restores included), created before the backfill in the same
transaction so that no name is missed. A trigram index on the names serves the lookup.
SQLite leaves the table empty and searches as before (small databases).

`patient_search_order` now carries the MRN (INCLUDE, PostgreSQL), and
`patient_search_given_order` does for given names what it does for family names: every word
of a search is tested from the index alone, without visiting the table.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

ADD_NAMES = """
CREATE OR REPLACE FUNCTION patients_search_names_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- In a fixed order, so that two writers adding the same new names cannot deadlock.
    INSERT INTO patients_searchname (clinic_id, part, name)
    SELECT DISTINCT clinic_id, part, name FROM (
        SELECT clinic_id, 'family' AS part, family_name_search AS name FROM written
        UNION ALL
        SELECT clinic_id, 'given', given_name_search FROM written
    ) AS names
    ORDER BY clinic_id, part, name
    ON CONFLICT (clinic_id, part, name) DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER patients_search_names_insert AFTER INSERT ON patients_patient
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT
    EXECUTE FUNCTION patients_search_names_add();
CREATE TRIGGER patients_search_names_update AFTER UPDATE ON patients_patient
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT
    EXECUTE FUNCTION patients_search_names_add();
INSERT INTO patients_searchname (clinic_id, part, name)
SELECT DISTINCT clinic_id, 'family', family_name_search FROM patients_patient
UNION ALL
SELECT DISTINCT clinic_id, 'given', given_name_search FROM patients_patient
ON CONFLICT (clinic_id, part, name) DO NOTHING;
CREATE INDEX IF NOT EXISTS search_name_trgm ON patients_searchname
    USING gin (name gin_trgm_ops);
ANALYZE patients_searchname;
"""

DROP_NAMES = """
DROP TRIGGER IF EXISTS patients_search_names_insert ON patients_patient;
DROP TRIGGER IF EXISTS patients_search_names_update ON patients_patient;
DROP FUNCTION IF EXISTS patients_search_names_add();
DROP INDEX IF EXISTS search_name_trgm;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD_NAMES)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_NAMES)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_api_token_scopes"),
        ("patients", "0005_search_order_and_trigram_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchName",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "part",
                    models.CharField(
                        choices=[("family", "Family name"), ("given", "Given name")], max_length=6
                    ),
                ),
                ("name", models.CharField(max_length=100)),
            ],
        ),
        migrations.RemoveIndex(
            model_name="patient",
            name="patient_search_order",
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(
                condition=models.Q(("status", "active")),
                fields=["clinic", "family_name_search", "given_name_search", "id"],
                include=("mrn_search",),
                name="patient_search_order",
            ),
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(
                condition=models.Q(("status", "active")),
                fields=["clinic", "given_name_search", "family_name_search", "id"],
                include=("mrn_search",),
                name="patient_search_given_order",
            ),
        ),
        migrations.AddField(
            model_name="searchname",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.clinic"
            ),
        ),
        migrations.AddConstraint(
            model_name="searchname",
            constraint=models.UniqueConstraint(
                fields=("clinic", "part", "name"), name="search_name_unique_in_clinic"
            ),
        ),
        migrations.RunPython(forward, reverse),
    ]
