"""The demo clinic's research project, registered as a demo loader (`core.demo_loaders`):
`demo` records the patients' research consent, this names the project the researcher opens."""

from __future__ import annotations

from ketamine_care.accounts.models import User
from ketamine_care.research.models import ResearchProject
from ketamine_care.research.services import create_project

DEMO_PROJECT = "Relapse after induction"
DEMO_CONSENT_TEXT_VERSION = "2026-1"


def demo_project(clinic) -> dict:
    """Idempotent: an existing project of that name is left alone."""
    if ResearchProject.objects.filter(clinic=clinic, name=DEMO_PROJECT).exists():
        return {"research_project_created": False}
    create_project(
        clinic=clinic,
        actor=User.objects.get(email="medical_director@demo.clinic"),
        name=DEMO_PROJECT,
        description="How often and how soon symptoms return after the induction course, "
        "by protocol.",
        consent_text_version=DEMO_CONSENT_TEXT_VERSION,
    )
    return {"research_project_created": True}
