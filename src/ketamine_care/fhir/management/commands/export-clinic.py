"""`ketamine-care export-clinic --clinic <id> PATH`: the clinic's complete export (every
resource as NDJSON, the audit chain with its anchors, the ledger as CSV, the platform's own
rows, and a manifest with SHA-256 checksums) into the empty folder PATH."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ketamine_care.accounts.models import Clinic
from ketamine_care.fhir.clinic_export import export_clinic


class Command(BaseCommand):
    help = "Export a clinic's entire record (FHIR NDJSON, audit chain, ledger CSV, manifest)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--clinic", required=True, help="the clinic's public id")

    def handle(self, *args, **options) -> None:
        clinic = Clinic.objects.filter(public_id=options["clinic"]).first()
        if clinic is None:
            raise CommandError("No clinic with that id.", returncode=2)
        try:
            manifest = export_clinic(clinic=clinic, path=options["path"])
        except (OSError, FileExistsError) as exc:
            raise CommandError(f"cannot write the export: {exc}", returncode=2) from exc
        lines = sum(f["lines"] for f in manifest["files"])
        self.stdout.write(f"exported {len(manifest['files'])} files, {lines} lines")
