"""Restoring a clinic's complete export (clinic_export.py) into an installation that does
not have the clinic: the manifest's checksums first, then every `records/` table in the
manifest's order (a table after those it refers to), rows with their own keys, all in one
transaction. The clinic's audit chain arrives as it was, hashes included. The FHIR NDJSON
files are the portable copy for other systems; this restores from the platform's own rows,
which hold everything (FHIR R4 has no place for, say, the ledger's witness or a protocol
version's rules)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core import serializers
from django.db import connection, transaction

from ketamine_care.accounts.models import Clinic
from ketamine_care.core.errors import Conflict, ValidationFailed
from ketamine_care.fhir.clinic_export import FORMAT, verify_export
from ketamine_care.fhir.clinic_records import DERIVED_TABLES


def _rows(path: Path):
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


def import_clinic(*, path: Path) -> dict[str, int]:
    """Load the export at `path`; the number of rows per table. Refused when a file does
    not match its checksum or the clinic already exists here."""
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise ValidationFailed(f"Unknown export format {manifest.get('format')!r}.")
    damaged = verify_export(path)
    if damaged:
        raise ValidationFailed(f"Checksum mismatch: {', '.join(damaged)}.")
    if Clinic.objects.filter(public_id=manifest["clinic"]).exists():
        raise Conflict("This installation already has that clinic.")
    loaded: dict[str, int] = {}
    models = []
    with transaction.atomic():
        for entry in manifest["files"]:
            name = entry["path"]
            label = name.removeprefix("records/").removesuffix(".ndjson")
            # An export made before DERIVED_TABLES has them: this database derives its own.
            if not name.startswith("records/") or label in DERIVED_TABLES:
                continue
            count = 0
            for obj in serializers.deserialize("python", _rows(path / name)):
                obj.save()
                count += 1
            loaded[label] = count
            if count:
                models.append(obj.object.__class__)
        _reset_sequences(models)
    return loaded


def _reset_sequences(models: list) -> None:
    """Rows came with their keys: the next key must follow them (PostgreSQL sequences)."""
    statements = connection.ops.sequence_reset_sql(_NoStyle(), models)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


class _NoStyle:
    def __getattr__(self, name):
        return lambda text: text
