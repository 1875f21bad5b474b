"""`ketamine-care restore PATH`: load a backup into the empty database DATABASE_URL names,
then check every table against the backup's manifest (`core/backup.py`)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ketamine_care.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup into an empty database and check it against its manifest."
    requires_system_checks = []  # the database is empty until the restore

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="a folder written by `backup`")
        parser.add_argument(
            "--force", action="store_true", help="replace a database that is not empty"
        )

    def handle(self, *args, **options) -> None:
        try:
            manifest = restore(options["path"], force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(table["rows"] for table in manifest["tables"].values())
        self.stdout.write(
            f"Restored {len(manifest['tables'])} tables ({rows} rows) from the backup of "
            f"{manifest['created_at']}; every table matches its checksum. "
            "Run `ketamine-care audit-verify` next."
        )
