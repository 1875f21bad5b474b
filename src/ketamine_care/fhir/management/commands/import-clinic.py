"""`ketamine-care import-clinic PATH`: restore a clinic exported by `export-clinic` into an
installation that does not have it (checksums checked first; all or nothing)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ketamine_care.core.errors import DomainError
from ketamine_care.fhir.clinic_import import import_clinic


class Command(BaseCommand):
    help = "Restore a clinic from the folder export-clinic wrote."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args, **options) -> None:
        try:
            loaded = import_clinic(path=options["path"])
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read the export: {exc}", returncode=2) from exc
        except DomainError as error:
            raise CommandError(error.message, returncode=2) from error
        self.stdout.write(f"imported {sum(loaded.values())} rows in {len(loaded)} tables")
