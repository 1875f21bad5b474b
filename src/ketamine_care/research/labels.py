"""The clinic's words for the research app's audit events; registered in the app's `ready()`
(`core.labels`)."""

from __future__ import annotations

from ketamine_care.core import labels as core_labels
from ketamine_care.patients.models import ResearchConsentStatus, Sex

AUDIT_EVENTS = {
    "research_project.created": "Research project created",
    "research_workspace.viewed": "Research workspace viewed",
    "research_project.viewed": "Research project's cohort counts viewed",
}


# The rows of the cohort tables.
SEX = "sex"
RESEARCH_CONSENT = "research_consent"


def register() -> None:
    core_labels.register_labels(core_labels.AUDIT_EVENT, AUDIT_EVENTS)
    core_labels.register_labels(SEX, dict(Sex.choices))
    core_labels.register_labels(RESEARCH_CONSENT, dict(ResearchConsentStatus.choices))
