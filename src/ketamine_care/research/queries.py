"""Reads of the research app, always scoped to one clinic and never naming a patient."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from ketamine_care.research.models import ResearchProject


def projects_of(clinic) -> list[ResearchProject]:
    return list(ResearchProject.objects.filter(clinic=clinic).order_by("name", "id"))


def access_project(clinic, project_id) -> ResearchProject:
    """The clinic's project; another clinic's (or none) answers 404."""
    return get_object_or_404(ResearchProject, clinic=clinic, public_id=project_id)
