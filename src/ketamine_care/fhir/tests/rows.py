"""One row of every kind the FHIR resources read, for a patient that already has a session."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from ketamine_care.patients import services
from ketamine_care.treatment_sessions.services import record_vitals


def add_clinical_rows(*, patient, prescriber, nurse, session) -> dict:
    """An allergy, a medication, a weight and height, and a full set of vital signs."""
    now = timezone.now()
    rows = {
        "allergy": services.add_allergy(
            patient=patient, actor=prescriber, substance="Latex", reaction="Hives", severity="mild"
        ),
        "medication": services.add_medication(
            patient=patient,
            actor=prescriber,
            name="Sertraline",
            drug_class="ssri",
            dose=Decimal("50"),
            dose_unit="mg",
            frequency="daily",
        ),
        "measurement": services.record_measurement(
            patient=patient,
            actor=nurse,
            weight=Decimal("70"),
            height=Decimal("175"),
            measured_at=now - timedelta(days=1),
        ),
    }
    reading = {
        "measured_at": now,
        "bp_systolic_mmhg": 128,
        "bp_diastolic_mmhg": 82,
        "heart_rate_bpm": 72,
        "respiratory_rate_per_min": 14,
        "spo2_percent": 97,
        "moaas": 5,
    }
    record_vitals(session=session, actor=nurse, readings=[reading])
    return rows
