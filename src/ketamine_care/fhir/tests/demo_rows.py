"""Rows the demo clinic does not record, added beside it so that every kind of resource (and
every branch of its mapping) is emitted: adverse events with each outcome, a dose marked
entered in error by an amendment, and a patient whose record is sparse and not in ASCII."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from ketamine_care.accounts.models import User
from ketamine_care.demo.data import DEMO_CLINIC
from ketamine_care.patients import services
from ketamine_care.patients.demographics import register_patient
from ketamine_care.treatment_sessions import states
from ketamine_care.treatment_sessions.models import DoseAdministration, TreatmentSession
from ketamine_care.treatment_sessions.services import record_vitals
from ketamine_care.treatment_sessions.services.notes import amend_session, record_adverse_event


def add_records_the_demo_lacks(actor) -> DoseAdministration:
    """Adverse events and a full set of vital signs in a session under way, and a signed
    session's dose marked entered in error by an amendment (returned): kinds of rows the demo
    data does not record."""
    sessions = TreatmentSession.objects.filter(clinic__name=DEMO_CLINIC)
    open_session = sessions.filter(state__in=(states.DOSING, states.MONITORING)).first()
    for kind, serious, outcome in (
        ("other", True, "transferred"),
        ("nausea", False, "resolved"),
        ("dissociation", False, "resolving"),
        ("sedation", False, "ongoing"),
    ):
        record_adverse_event(
            session=open_session,
            actor=actor,
            event_type=kind,
            description="Transient dizziness" if kind == "other" else "",
            severity="moderate",
            serious=serious,
            action_taken="Observed.",
            outcome=outcome,
        )
    nurse = User.objects.get(email="nurse@demo.clinic")
    reading = {
        "measured_at": timezone.now(),
        "bp_systolic_mmhg": 128,
        "bp_diastolic_mmhg": 82,
        "heart_rate_bpm": 72,
        "respiratory_rate_per_min": 14,
        "spo2_percent": 97,
        "moaas": 5,
    }
    record_vitals(session=open_session, actor=nurse, readings=[reading])
    dose = DoseAdministration.objects.filter(session__state=states.SIGNED).first()
    amend_session(
        session=dose.session,
        actor=actor,
        kind="entered_in_error",
        reason="Recorded on the wrong session.",
        target_type="dose",
        target_id=dose.public_id,
    )
    for n in range(3):
        amend_session(
            session=dose.session,
            actor=actor,
            kind="amendment",
            reason="Late entry.",
            text=f"Addendum {n}.",
        )
    return dose


def add_sparse_unicode_patient(*, clinic, actor):
    """A patient with no phone and names outside ASCII, a condition with no onset, an allergy
    with no reaction, a medication with no dose, a height alone, and a weight entered in
    pounds (kilograms with many decimals) at a whole second."""
    patient = register_patient(
        clinic=clinic,
        actor=actor,
        mrn="ÜNI-001",
        given_name="Zoë Ångström 李",
        family_name="Núñez-Øre 😀",
        date_of_birth=date(1980, 2, 29),
        sex="female",
    )
    services.add_diagnosis(
        patient=patient, actor=actor, icd10_code="F33.2", label="Dépression récurrente sévère"
    )
    services.add_allergy(patient=patient, actor=actor, substance="Pénicilline")
    services.add_medication(patient=patient, actor=actor, name="Bupropión", drug_class="other")
    services.record_measurement(patient=patient, actor=actor, height=Decimal("162.5"))
    whole_second = datetime(2026, 1, 5, 9, 30, tzinfo=timezone.get_current_timezone())
    services.record_measurement(
        patient=patient,
        actor=actor,
        weight=Decimal("150.3"),
        unit="imperial",
        measured_at=min(whole_second, timezone.now() - timedelta(days=1)),
    )
    return patient
