"""Reads of the research app, always scoped to one clinic and never naming a patient. The
reads of de-identified counts are audited with what was counted, never who."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from ketamine_care.audit.services import record_read
from ketamine_care.research.cohorts import consenting_count
from ketamine_care.research.models import ResearchProject


def projects_of(clinic) -> list[ResearchProject]:
    return list(ResearchProject.objects.filter(clinic=clinic).order_by("name", "id"))


def access_project(clinic, project_id) -> ResearchProject:
    """The clinic's project; another clinic's (or none) answers 404."""
    project = get_object_or_404(ResearchProject, clinic=clinic, public_id=project_id)
    project.clinic = clinic
    return project


def workspace_rows(clinic) -> list[tuple[ResearchProject, int]]:
    """Each project of the clinic with its number of consenting patients (one COUNT each)."""
    rows = []
    for project in projects_of(clinic):
        project.clinic = clinic
        rows.append((project, consenting_count(project)))
    return rows


def record_workspace_viewed(*, clinic, counted: int, actor, request=None) -> None:
    record_read(
        event_type="research_workspace.viewed",
        actor=actor,
        clinic=clinic,
        part="workspace",
        count=counted,
        request=request,
    )


def record_project_viewed(*, project: ResearchProject, counted: int, actor, request=None) -> None:
    record_read(
        event_type="research_project.viewed",
        actor=actor,
        clinic=project.clinic,
        obj=project,
        part="cohort_counts",
        count=counted,
        request=request,
    )
