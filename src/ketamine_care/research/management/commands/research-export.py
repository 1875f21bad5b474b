"""`ketamine-care research-export --project <slug> PATH`: a research project's de-identified
export (Parquet and CSV tables, data dictionary, README, manifest with SHA-256 checksums)
into PATH, which must not exist or be an empty folder. `--clinic <public id>` picks the
clinic when several clinics have a project with that slug."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ketamine_care.research.export import FolderNotEmpty, write_export
from ketamine_care.research.models import ResearchProject


class Command(BaseCommand):
    help = "Write a research project's de-identified export (Parquet, CSV, dictionary)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--project", required=True, help="the research project's slug")
        parser.add_argument("--clinic", help="the clinic's public id (when slugs repeat)")

    def _project(self, slug: str, clinic: str | None) -> ResearchProject:
        projects = ResearchProject.objects.select_related("clinic").filter(slug=slug)
        if clinic:
            try:
                projects = projects.filter(clinic__public_id=uuid.UUID(clinic))
            except ValueError as exc:
                raise CommandError(
                    f"--clinic: {clinic!r} is not a clinic id.", returncode=2
                ) from exc
        found = list(projects[:2])
        if not found:
            raise CommandError(f"--project: no research project {slug!r}.", returncode=2)
        if len(found) > 1:
            raise CommandError(
                f"--project: several clinics have a project {slug!r}; name one with --clinic.",
                returncode=2,
            )
        return found[0]

    def handle(self, *args, **options) -> None:
        project = self._project(options["project"], options.get("clinic"))
        path = options["path"]
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise CommandError(f"PATH: {path} exists and is not an empty folder.", returncode=2)
        try:
            manifest = write_export(project, path)
        except (FolderNotEmpty, OSError) as exc:
            raise CommandError(f"PATH: cannot write the export: {exc}", returncode=2) from exc
        rows = ", ".join(f"{name} {n}" for name, n in manifest.tables.items())
        suppressed = manifest.deidentification.get("suppressed", 0)
        self.stdout.write(f"exported {project.slug} to {path}: {rows}; suppressed {suppressed}")
