"""Research consent: a patient agrees (or no longer agrees) that their de-identified data
may enter research projects. A patient fact, so it lives here; the research app reads it
through `patients.queries.research_consenting`."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ketamine_care.audit.services import record
from ketamine_care.core.errors import ValidationFailed
from ketamine_care.patients.demographics import require_active
from ketamine_care.patients.models import Patient, ResearchConsent, ResearchConsentStatus

VERSION_MAX_LENGTH = 32


def record_research_consent(
    *,
    patient: Patient,
    actor,
    status: str,
    consent_text_version: str,
    recorded_at: datetime | None = None,
    request=None,
) -> ResearchConsent:
    """Add a row to the patient's research-consent history; the newest row is the current
    state. `recorded_at` is when the patient gave or withdrew consent (default now; never in
    the future). Withdrawal takes effect for every later export and count."""
    require_active(patient)
    version = (consent_text_version or "").strip()
    errors: dict[str, str] = {}
    if status not in ResearchConsentStatus.values:
        errors["status"] = "Choose given or withdrawn."
    if not version:
        errors["consent_text_version"] = "Give the version of the consent text."
    elif len(version) > VERSION_MAX_LENGTH:
        errors["consent_text_version"] = f"At most {VERSION_MAX_LENGTH} characters."
    now = timezone.now()
    when = recorded_at or now
    if when > now:
        errors["recorded_at"] = "Consent cannot be recorded in the future."
    if errors:
        raise ValidationFailed("Check the fields marked.", fields=errors)
    with transaction.atomic():
        consent = ResearchConsent.objects.create(
            patient=patient,
            status=status,
            consent_text_version=version,
            recorded_at=when,
            recorded_by=actor,
        )
        record(
            event_type=f"research_consent.{status}",
            actor=actor,
            patient=patient,
            obj=consent,
            changes={
                "new": {
                    "status": status,
                    "consent_text_version": version,
                    "recorded_at": when.isoformat(),
                }
            },
            request=request,
        )
    return consent


def consent_history(patient: Patient) -> list[ResearchConsent]:
    """The patient's research-consent rows, newest (the current state) first."""
    return list(
        patient.research_consents.select_related("recorded_by").order_by("-recorded_at", "-id")
    )
