"""Synthetic demo data from a seeded generator. No real people: names are drawn from common
first and family names and combined at random."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.core.clock import clinic_today
from ketamine_care.core.demo_loaders import run_demo_loaders
from ketamine_care.demo.courses import make_course_demo
from ketamine_care.demo.ledger import make_ledger_demo
from ketamine_care.demo.measures import make_measures_demo
from ketamine_care.demo.research import make_research_consent_demo
from ketamine_care.demo.score_histories import PATTERN_CYCLE, make_history, record_open_alert
from ketamine_care.demo.sessions import make_session_demo
from ketamine_care.demo.surveillance import make_surveillance_demo
from ketamine_care.demo.therapy import make_therapy_demo
from ketamine_care.demo.treatment import make_treatment_demo
from ketamine_care.instruments.models import Administration
from ketamine_care.patients import services
from ketamine_care.patients.models import Patient
from ketamine_care.registry.services import refresh_summaries

DEMO_PASSWORD = "demo"
DEMO_CLINIC = "Demo Clinic"
OTHER_CLINIC = "Other Clinic"
DEMO_TIME_ZONE = "America/Los_Angeles"
OTHER_TIME_ZONE = "America/New_York"
PATIENT_COUNT = 40

GIVEN = {
    "female": "Maria Aisha Priya Sofia Hana Grace Elena Yuki Fatima Nora Alex Sam Jordan".split(),
    "male": "David Chen Lucas Omar Mateo Noah Kofi Liam Ivan Ben Casey Riley Jamie Quinn".split(),
}
FAMILY = [
    "Anders",
    "Baker",
    "Carver",
    "Dalton",
    "Ellison",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ibrahim",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Patel",
    "Quintero",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Usman",
    "Varga",
    "Walsh",
    "Xu",
    "Young",
    "Zimmer",
    "Lindqvist",
    "Mendes",
    "Novak",
    "Osei",
]
# ICD-10-CM codes for the indications the platform treats.
DIAGNOSES = [
    ("F33.2", "Major depressive disorder, recurrent severe without psychotic features"),
    ("F32.2", "Major depressive disorder, single episode, severe without psychotic features"),
    ("F43.10", "Post-traumatic stress disorder, unspecified"),
    ("F42.2", "Mixed obsessional thoughts and acts"),
    ("F10.20", "Alcohol dependence, uncomplicated"),
    ("F41.1", "Generalized anxiety disorder"),
    ("F31.81", "Bipolar II disorder"),
]
MEDICATIONS = [
    ("Sertraline", Decimal("100"), "mg", "once daily", "ssri"),
    ("Escitalopram", Decimal("10"), "mg", "once daily", "ssri"),
    ("Venlafaxine XR", Decimal("150"), "mg", "once daily", "snri"),
    ("Lamotrigine", Decimal("100"), "mg", "twice daily", "lamotrigine"),
    ("Lorazepam", Decimal("0.5"), "mg", "as needed", "benzodiazepine"),
    ("Lithium carbonate", Decimal("600"), "mg", "at night", "lithium"),
    ("Quetiapine", Decimal("50"), "mg", "at night", "antipsychotic"),
    ("Bupropion XL", Decimal("300"), "mg", "once daily", "other"),
]


def ensure_user(email: str, full_name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, full_name=full_name)
    return user


def ensure_membership(user: User, clinic: Clinic, role: str) -> None:
    Membership.objects.get_or_create(user=user, clinic=clinic, defaults={"role": role})


@transaction.atomic
def load_demo(seed: int = 20261125) -> dict:
    """Create the demo clinics, users and patients. Safe to run again: nothing is duplicated."""
    # Two US clinics three hours apart: each one's "today" and clock are its own.
    demo, _ = Clinic.objects.get_or_create(name=DEMO_CLINIC, defaults={"time_zone": DEMO_TIME_ZONE})
    other, _ = Clinic.objects.get_or_create(
        name=OTHER_CLINIC, defaults={"time_zone": OTHER_TIME_ZONE}
    )
    logins = []
    for role in Role:
        email = f"{role.value}@demo.clinic"
        ensure_membership(ensure_user(email, f"Demo {role.label}"), demo, role.value)
        logins.append((email, role.label, DEMO_CLINIC))
    other_prescriber = ensure_user("prescriber@other.clinic", "Other Prescriber")
    ensure_membership(other_prescriber, other, Role.PRESCRIBER)
    logins.append(("prescriber@other.clinic", Role.PRESCRIBER.label, OTHER_CLINIC))
    actor = User.objects.get(email="prescriber@demo.clinic")
    created = _make_patients(demo, actor, random.Random(seed))
    histories = _make_score_histories(demo, actor, seed)
    treatment = make_treatment_demo(demo)
    ledger = make_ledger_demo(demo)
    sessions = make_session_demo(demo)
    sessions.update(make_surveillance_demo(demo))
    sessions |= make_therapy_demo(demo)
    make_measures_demo(demo)  # after the sessions: its requests belong to them
    courses = make_course_demo(demo)
    # The outcomes dashboard reads the course summaries: build them once everything exists.
    summaries = refresh_summaries(clinic=demo)
    return {
        "logins": logins,
        "patients_created": created,
        "score_histories": histories,
        **treatment,
        **ledger,
        **sessions,
        **courses,
        "course_summaries": summaries.courses,
        **make_research_consent_demo(demo),
        **run_demo_loaders(demo),  # after the consents: apps beside demo add their data
    }


def _make_patients(clinic: Clinic, actor: User, rng: random.Random) -> int:
    created = 0
    today = clinic_today(clinic)
    for number in range(1, PATIENT_COUNT + 1):
        mrn = f"DEMO-{number:04d}"
        # Draw every value even for existing patients so the sequence stays the same.
        drawn = _draw_patient(rng)
        if Patient.objects.filter(clinic=clinic, mrn=mrn).exists():
            continue
        patient = services.register_patient(
            clinic=clinic,
            actor=actor,
            mrn=mrn,
            given_name=drawn["given"],
            family_name=drawn["family"],
            date_of_birth=today - timedelta(days=drawn["age_days"]),
            sex=drawn["sex"],
            phone=f"555-01{number:02d}",
        )
        _add_history(patient, actor, rng, drawn, today=today)
        if number % 7 == 0:
            services.add_allergy(
                patient=patient,
                actor=actor,
                substance="Penicillin",
                reaction="Rash",
                severity="mild",
            )
        created += 1
    return created


def _draw_patient(rng: random.Random) -> dict:
    """One patient's random values, drawn in a fixed order (the demo stays the same)."""
    sex = rng.choice(["female", "male"])
    given, family = rng.choice(GIVEN[sex]), rng.choice(FAMILY)
    age_days = rng.randint(19 * 365, 78 * 365)
    diagnosis = rng.choice(DIAGNOSES)
    meds = rng.sample(MEDICATIONS, rng.randint(1, 3))
    height = Decimal(rng.randint(152, 190) if sex == "male" else rng.randint(148, 178))
    weight = Decimal(rng.randint(520, 1150)) / 10
    return {
        "sex": sex,
        "given": given,
        "family": family,
        "age_days": age_days,
        "diagnosis": diagnosis,
        "meds": meds,
        "height": height,
        "weight": weight,
    }


def _add_history(
    patient: Patient, actor: User, rng: random.Random, drawn: dict, *, today: date
) -> None:
    """The drawn diagnosis, medications and a recent weight and height."""
    code, label = drawn["diagnosis"]
    services.add_diagnosis(
        patient=patient,
        actor=actor,
        icd10_code=code,
        label=label,
        clinical_status="active",
        onset_date=date(today.year - rng.randint(1, 15), 1, 1),
    )
    for name, dose, unit, frequency, drug_class in drawn["meds"]:
        services.add_medication(
            patient=patient,
            actor=actor,
            name=name,
            dose=dose,
            dose_unit=unit,
            frequency=frequency,
            drug_class=drug_class,
        )
    services.record_measurement(
        patient=patient,
        actor=actor,
        weight=drawn["weight"],
        height=drawn["height"],
        unit="metric",
        measured_at=timezone.now() - timedelta(days=rng.randint(1, 30)),
    )


HISTORY_PATIENTS = 12  # DEMO-0001 .. DEMO-0012 get rating-scale histories
ALERT_PATIENT = "DEMO-0003"


def _make_score_histories(clinic: Clinic, actor: User, seed: int) -> int:
    """Score histories for the first demo patients, each pattern in turn (idempotent: a
    patient with any administration is left alone). Each patient has its own seeded generator,
    so adding patients never changes another patient's history."""
    made = 0
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for number in range(1, HISTORY_PATIENTS + 1):
        patient = Patient.objects.filter(clinic=clinic, mrn=f"DEMO-{number:04d}").first()
        if patient is None or Administration.objects.filter(patient=patient).exists():
            continue
        rng = random.Random(seed * 1000 + number)
        pattern = PATTERN_CYCLE[(number - 1) % len(PATTERN_CYCLE)]
        start = now - timedelta(days=rng.randint(42, 70), hours=rng.randint(0, 6))
        make_history(patient, actor, pattern, start, rng)
        if patient.mrn == ALERT_PATIENT:
            record_open_alert(patient, rng, now - timedelta(hours=3))
        made += 1
    return made
