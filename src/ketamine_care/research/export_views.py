"""The workspace's *Export* button: queue the project's de-identified export, then show the
export's page (accounts), which follows the job's progress and offers the zip once the
worker has made it, to the person who asked only."""

from __future__ import annotations

from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability
from ketamine_care.research.export.job import request_research_export
from ketamine_care.research.queries import access_project


@clinic_required(Capability.EXPORT_RESEARCH)
@require_POST
def start_export(request, project_id):
    project = access_project(request.membership.clinic, project_id)  # another clinic's: 404
    export = request_research_export(project=project, actor=request.user, request=request)
    return redirect("accounts:export", export_id=export.public_id)
