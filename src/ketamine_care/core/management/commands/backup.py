"""`ketamine-care backup PATH`: a consistent backup with a manifest of checksums
(`core/backup.py`, `docs/OPERATIONS.md`)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ketamine_care.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database into a new folder: the dump and a manifest of checksums."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="a new or empty folder")
        parser.add_argument("--json", action="store_true", help="print the manifest as JSON")

    def handle(self, *args, **options) -> None:
        try:
            manifest = backup(options["path"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(manifest, indent=2, sort_keys=True))
            return
        rows = sum(table["rows"] for table in manifest["tables"].values())
        self.stdout.write(
            f"Backed up {len(manifest['tables'])} tables ({rows} rows) of the "
            f"{manifest['engine']} database to {options['path']}"
        )
