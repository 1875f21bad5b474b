"""A small research cohort for the export tests, built through the services at a fixed day in
the past (so no patient date is the day the test runs): one patient with a full course
(plan, a discharged session with vitals and a dose, ratings, an adverse event, a later
session scheduled for the course's first visit) and
distinctive identifiers, four more in the same k-anonymity class, one who withdrew and one
who never consented. Numbers are test data."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from types import SimpleNamespace

import time_machine

from ketamine_care.accounts.models import Clinic, Role
from ketamine_care.instruments.services import record_administration
from ketamine_care.patients.research_consent import record_research_consent
from ketamine_care.research.models import PatientShift, ResearchProject
from ketamine_care.testing.base import make_user
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.treatment import treatable_plan
from ketamine_care.treatment_sessions.services import record_adverse_event, schedule_session
from ketamine_care.treatment_sessions.tests.factories import activate, discharged_session

SEEDED_AT = datetime(2025, 5, 14, 16, 0, tzinfo=UTC)
PLAN_START = date(2025, 5, 19)  # the Monday after SEEDED_AT
CONSENT = "RC-2"
# Identifiers and text that must never reach a file.
SECRETS = {
    "given_name": "Zebediah",
    "family_name": "Quillfeather",
    "mrn": "MRN-ZQ-77123",
    "email": "zebediah.q@example.org",
    "phone": "555-0142",
}
AE_TEXT = "Zebediah felt the room tilt and vomited twice"
AE_ACTION = "Ondansetron given by Nurse Quillfeather"
PHQ9 = {f"phq9_{i}": v for i, v in enumerate([2, 3, 1, 2, 0, 1, 2, 1, 0], start=1)}
OFFSET = 40  # every seeded patient's date offset, so that their start months agree


def consent(patient, actor, status="given", version=CONSENT):
    return record_research_consent(
        patient=patient, actor=actor, status=status, consent_text_version=version
    )


def committed_case(clinic_name: str, domain: str):
    """A clinic with a medical director, a prescriber and a nurse (`<role>@<domain>`) and the
    seeded cohort, for the transactional tests that commit their rows (outside a
    ClinicTestCase)."""
    case = SimpleNamespace(clinic=Clinic.objects.create(name=clinic_name))
    for role in (Role.MEDICAL_DIRECTOR, Role.PRESCRIBER, Role.NURSE):
        setattr(case, role.value, make_user(f"{role.value}@{domain}", case.clinic, role.value))
    seed_cohort(case)
    return case


def seed_cohort(case) -> None:
    """Sets case.project, case.star (the full patient), case.peers, case.withdrawn,
    case.refused; case.version (the protocol version)."""
    with time_machine.travel(SEEDED_AT, tick=False):
        case.version = activate(case.clinic, case.medical_director)
        case.star = make_patient(
            clinic=case.clinic, actor=case.prescriber, date_of_birth=date(1991, 3, 7), **SECRETS
        )
        case.plan = treatable_plan(
            patient=case.star, version=case.version, prescriber=case.prescriber, start=PLAN_START
        )
        case.session = discharged_session(case.star, case.version, case.nurse, case.prescriber)
        # A second session, later, for the course's first visit (scheduled, nothing given).
        case.planned = schedule_session(
            patient=case.star,
            protocol_version=case.version,
            actor=case.nurse,
            planned_visit=case.plan.visits.order_by("number").first(),
            scheduled_for=datetime.combine(PLAN_START, time(17, 0), tzinfo=UTC),
        )
        record_adverse_event(
            session=case.session,
            actor=case.nurse,
            event_type="vomiting",
            severity="mild",
            serious=False,
            onset_at=case.session.dose_started_at,
            action_taken=AE_ACTION,
            outcome="resolved",
            description=AE_TEXT,
        )
        case.rating = record_administration(
            patient=case.star,
            instrument_code="phq9",
            answers=PHQ9,
            time_point="baseline",
            actor=case.prescriber,
        )
        case.peers = [_peer(case, n) for n in range(4)]
        case.withdrawn = make_patient(clinic=case.clinic, actor=case.prescriber, mrn="MRN-W-1")
        case.refused = make_patient(clinic=case.clinic, actor=case.prescriber, mrn="MRN-R-1")
        for patient in (case.star, *case.peers, case.withdrawn):
            consent(patient, case.prescriber)
        consent(case.withdrawn, case.prescriber, status="withdrawn")
        for patient in (case.star, *case.peers, case.withdrawn, case.refused):
            PatientShift.objects.create(patient=patient, offset_days=OFFSET)
    case.project = ResearchProject.objects.create(
        clinic=case.clinic,
        name="Rapid response study",
        slug="rapid-response",
        consent_text_version=CONSENT,
        created_by=case.medical_director,
    )


def _peer(case, n: int):
    patient = make_patient(
        clinic=case.clinic,
        actor=case.prescriber,
        mrn=f"MRN-P-{n}",
        given_name=f"Peer{n}",
        date_of_birth=date(1991, 1 + n, 1),
    )
    treatable_plan(
        patient=patient, version=case.version, prescriber=case.prescriber, start=PLAN_START
    )
    return patient
