"""The database refuses changes to a protocol version's definition once it has left draft.

Status may still move (active -> retired); definition, clinic values, number and source may
not. Services check this first with a clear message; this guard catches everything else.
"""

from django.db import migrations

_MESSAGE = "protocol version is immutable once active"

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION protocol_version_immutable() RETURNS trigger AS $$
BEGIN
  IF OLD.status <> 'draft' AND (
       NEW.definition IS DISTINCT FROM OLD.definition
    OR NEW.clinic_values IS DISTINCT FROM OLD.clinic_values
    OR NEW.version IS DISTINCT FROM OLD.version
    OR NEW.clinic_protocol_id IS DISTINCT FROM OLD.clinic_protocol_id
    OR NEW.source IS DISTINCT FROM OLD.source
    OR NEW.status = 'draft') THEN
    RAISE EXCEPTION '{_MESSAGE}';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER protocol_version_immutable BEFORE UPDATE ON protocols_protocolversion
  FOR EACH ROW EXECUTE FUNCTION protocol_version_immutable();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS protocol_version_immutable ON protocols_protocolversion;
DROP FUNCTION IF EXISTS protocol_version_immutable();
"""
SQLITE_FORWARD = f"""
CREATE TRIGGER protocol_version_immutable BEFORE UPDATE ON protocols_protocolversion
WHEN OLD.status <> 'draft' AND (
     NEW.definition IS NOT OLD.definition
  OR NEW.clinic_values IS NOT OLD.clinic_values
  OR NEW.version IS NOT OLD.version
  OR NEW.clinic_protocol_id IS NOT OLD.clinic_protocol_id
  OR NEW.source IS NOT OLD.source
  OR NEW.status = 'draft')
BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS protocol_version_immutable;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("protocols", "0001_clinic_protocol_versions")]
    operations = [migrations.RunPython(forward, reverse)]
