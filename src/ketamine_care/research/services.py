"""Writes of the research app. Authorization happens before these calls
(accounts.permissions); each function checks its input, writes and audits in one
transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify

from ketamine_care.audit.services import record
from ketamine_care.core.errors import ValidationFailed
from ketamine_care.research.models import ResearchProject


def create_project(
    *,
    clinic,
    actor,
    name: str,
    description: str = "",
    consent_text_version: str = "",
    request=None,
) -> ResearchProject:
    """A new research project of `clinic`. Its slug (from the name) is unique in the clinic,
    so `research-export --project <name>` finds exactly one project. A blank consent text
    version accepts patients who consented under any version."""
    name = (name or "").strip()
    slug = slugify(name)[:140]
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Give the project a name."
    elif not slug:
        errors["name"] = "Use letters or digits in the name."
    elif ResearchProject.objects.filter(clinic=clinic, slug=slug).exists():
        errors["name"] = "The clinic already has a project of this name."
    if errors:
        raise ValidationFailed("Check the fields marked.", fields=errors)
    with transaction.atomic():
        project = ResearchProject.objects.create(
            clinic=clinic,
            name=name,
            slug=slug,
            description=(description or "").strip(),
            consent_text_version=(consent_text_version or "").strip(),
            created_by=actor,
        )
        record(
            event_type="research_project.created",
            actor=actor,
            clinic=clinic,
            obj=project,
            changes={
                "new": {
                    "name": project.name,
                    "slug": project.slug,
                    "consent_text_version": project.consent_text_version,
                }
            },
            request=request,
        )
    return project
