"""Research consent of the demo clinic's patients: most consented, some were never asked, one
gave consent and later withdrew it. The research app adds its project through
`core.demo_loaders` (research sits beside demo)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ketamine_care.accounts.models import User
from ketamine_care.patients.models import Patient, ResearchConsent
from ketamine_care.patients.services import record_research_consent

CONSENT_TEXT_VERSION = "2026-1"
NEVER_ASKED_EVERY = 8  # every 8th patient (by MRN) was never asked
WITHDRAWN_MRN = "DEMO-0003"


def make_research_consent_demo(clinic) -> dict:
    """Idempotent: a patient with any consent row is left alone."""
    nurse = User.objects.get(email="nurse@demo.clinic")
    asked = set(
        ResearchConsent.objects.filter(patient__clinic=clinic).values_list("patient", flat=True)
    )
    now = timezone.now()
    given = withdrawn = 0
    patients = Patient.objects.active().filter(clinic=clinic).order_by("mrn")
    for number, patient in enumerate(patients, start=1):
        if patient.pk in asked or number % NEVER_ASKED_EVERY == 0:
            continue
        consent = {"patient": patient, "actor": nurse, "consent_text_version": CONSENT_TEXT_VERSION}
        record_research_consent(status="given", recorded_at=now - timedelta(days=60), **consent)
        given += 1
        if patient.mrn == WITHDRAWN_MRN:
            record_research_consent(
                status="withdrawn", recorded_at=now - timedelta(days=5), **consent
            )
            withdrawn += 1
    return {"research_consents_given": given, "research_consents_withdrawn": withdrawn}
