"""`ketamine-care import-patients FILE.csv --clinic <id> --actor <e-mail>`: register the
file's patients in one transaction, checked as the import page checks them. Every invalid
row is printed with its row and column, and nothing is imported (exit status 2) unless
`--skip-invalid`. `--dry-run` checks only."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ketamine_care.accounts.models import Membership
from ketamine_care.core.errors import DomainError
from ketamine_care.patients.csv_import import parse_patients_csv
from ketamine_care.patients.imports import check_against_clinic, import_patients


class Command(BaseCommand):
    help = "Import patients from a CSV file (columns: mrn, given_name, family_name, ...)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--clinic", required=True, help="the clinic's public id")
        parser.add_argument("--actor", required=True, help="e-mail of the member importing")
        parser.add_argument("--skip-invalid", action="store_true")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, **options) -> None:
        membership = (
            Membership.objects.select_related("clinic", "user")
            .filter(
                clinic__public_id=options["clinic"],
                user__email=options["actor"],
                is_active=True,
            )
            .first()
        )
        if membership is None:
            raise CommandError("No active member with that e-mail in that clinic.", returncode=2)
        try:
            text = options["file"].read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read the file: {exc}", returncode=2) from exc
        preview = parse_patients_csv(text)
        if preview.problem:
            raise CommandError(preview.problem, returncode=2)
        clinic, actor = membership.clinic, membership.user
        check_against_clinic(clinic=clinic, actor=actor, preview=preview)
        for line in preview.error_lines():
            self.stderr.write(line)
        if preview.invalid_rows and not options["skip_invalid"]:
            raise CommandError(
                f"{len(preview.invalid_rows)} invalid rows: nothing was imported.", returncode=2
            )
        if options["dry_run"]:
            self.stdout.write(f"{len(preview.valid_rows)} rows would be imported.")
            return
        try:
            patients = import_patients(
                clinic=clinic, actor=actor, preview=preview, skip_invalid=True
            )
        except DomainError as error:
            raise CommandError(f"{error.message} {error.fields}", returncode=2) from error
        skipped = len(preview.invalid_rows)
        self.stdout.write(f"imported {len(patients)} patients, skipped {skipped} rows")
