"""The workspace's *Export* button: the project's de-identified export made by a background
job (`jobs.exports`), zipped, and downloaded from the export's page by the person who asked
(EXPORT_RESEARCH, checked again at download) until it expires.

Asking is audited (`research_export.requested`); the worker's writing is audited by
`write_export` itself (`research_export.written`: the project, the columns and rows of every
table, and what k-anonymity generalised and suppressed). The job's progress (which table,
how many of how many) is kept in the export row's parameters, where its page reads it.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from ketamine_care.accounts.permissions import Capability
from ketamine_care.audit.services import record
from ketamine_care.jobs.exports import ExportFile, queue_export, register_export
from ketamine_care.jobs.models import Export
from ketamine_care.jobs.runner import JobError
from ketamine_care.research.models import ResearchProject

KIND = "research"


def request_research_export(*, project: ResearchProject, actor, request=None) -> Export:
    """Record the request and queue the job that writes the project's export (audited)."""
    with transaction.atomic():
        export = queue_export(
            clinic=project.clinic,
            user=actor,
            kind=KIND,
            capability=Capability.EXPORT_RESEARCH.value,
            parameters={"project": project.pk, "project_name": project.name},
            filename=f"research-{project.slug}-{timezone.now():%Y-%m-%d}.zip",
        )
        export.content_type = "application/zip"
        export.save(update_fields=["content_type", "updated_at"])
        record(
            event_type="research_export.requested",
            actor=actor,
            clinic=project.clinic,
            obj=project,
            changes={"project": project.slug, "export": str(export.public_id)},
            request=request,
        )
    return export


def _progress(export: Export):
    def tell(step: str, done: int, total: int) -> None:
        progress = {"step": step, "done": done, "total": total}
        parameters = {**export.parameters, "progress": progress}
        Export.objects.filter(pk=export.pk).update(parameters=parameters)

    return tell


def build_research_export(export: Export) -> ExportFile:
    # The writer needs pyarrow: imported here, by the job that uses it, not by every process.
    from ketamine_care.research.export.run import write_export

    project = ResearchProject.objects.filter(
        pk=export.parameters.get("project"), clinic=export.clinic
    ).first()
    if project is None:
        raise JobError("the research project no longer exists")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "export"
        manifest = write_export(
            project, folder, progress=_progress(export), actor=export.requested_by
        )
        archive = shutil.make_archive(str(Path(tmp) / "research"), "zip", folder)
        content = Path(archive).read_bytes()
    # The file names no patient (research ids only), so the download's audit lists none.
    return ExportFile(content=content, rows=sum(manifest.tables.values()), patients=[])


def register() -> None:
    register_export(KIND, build_research_export)
