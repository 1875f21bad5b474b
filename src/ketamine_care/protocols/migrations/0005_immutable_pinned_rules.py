"""The database refuses a change to a version's pinned rules once they are set and the version
has left draft (the services check first with a clear message; this catches everything else).

On SQLite, adding `pinned_rules` (0003) rebuilt the table and so dropped the definition guard
of 0002; it is created again here, word for word.
"""

from django.db import migrations

_MESSAGE = "pinned rules of a protocol version never change"

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION protocol_version_pins_immutable() RETURNS trigger AS $$
BEGIN
  IF OLD.status <> 'draft' AND OLD.pinned_rules <> '{{}}'::jsonb
     AND NEW.pinned_rules IS DISTINCT FROM OLD.pinned_rules THEN
    RAISE EXCEPTION '{_MESSAGE}';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER protocol_version_pins_immutable BEFORE UPDATE ON protocols_protocolversion
  FOR EACH ROW EXECUTE FUNCTION protocol_version_pins_immutable();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS protocol_version_pins_immutable ON protocols_protocolversion;
DROP FUNCTION IF EXISTS protocol_version_pins_immutable();
"""
SQLITE_FORWARD = f"""
CREATE TRIGGER protocol_version_pins_immutable BEFORE UPDATE ON protocols_protocolversion
WHEN OLD.status <> 'draft' AND json(OLD.pinned_rules) <> '{{}}'
  AND NEW.pinned_rules IS NOT OLD.pinned_rules
BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS protocol_version_pins_immutable;"

_DEFINITION_MESSAGE = "protocol version is immutable once active"
SQLITE_DEFINITION_GUARD = f"""
CREATE TRIGGER IF NOT EXISTS protocol_version_immutable BEFORE UPDATE
ON protocols_protocolversion
WHEN OLD.status <> 'draft' AND (
     NEW.definition IS NOT OLD.definition
  OR NEW.clinic_values IS NOT OLD.clinic_values
  OR NEW.version IS NOT OLD.version
  OR NEW.clinic_protocol_id IS NOT OLD.clinic_protocol_id
  OR NEW.source IS NOT OLD.source
  OR NEW.status = 'draft')
BEGIN SELECT RAISE(ABORT, '{_DEFINITION_MESSAGE}'); END;
"""


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DEFINITION_GUARD)
        schema_editor.execute(SQLITE_FORWARD)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("protocols", "0004_fill_pinned_rules")]
    operations = [migrations.RunPython(forward, reverse)]
