"""Demo protocols, screenings and plans for the Demo Clinic (idempotent, deterministic).

The medical director activates four psychiatric protocols. Their `clinic_must_set` values are
the demo clinic's choices: 60 min of observation after an IV infusion (vitals "during and for
1 h after" in the NIMH trial [@diazgranados-2010]) and no CADSS discharge criterion.
Three MDD patients without benzodiazepines are screened for iv-ketamine-trd: one eligible and
planned, one `requires_override` (one failed antidepressant trial) overridden and co-signed
and planned, and one left awaiting co-signature.
"""

from __future__ import annotations

from datetime import timedelta

from ketamine_care.accounts.models import User
from ketamine_care.core.clock import clinic_today
from ketamine_care.dosing.models import TreatmentPlan
from ketamine_care.dosing.services import create_plan
from ketamine_care.patients.models import Patient
from ketamine_care.protocols.models import ProtocolVersion
from ketamine_care.protocols.queries import active_version
from ketamine_care.protocols.services import activate_protocol
from ketamine_care.screening.models import ScreeningVerdict
from ketamine_care.screening.record_facts import facts_from_record
from ketamine_care.screening.services import cosign_override, override_screening, screen_patient

# Values the Demo and test clinics set for iv-ketamine-trd's `clinic_must_set` paths: 60 min of
# observation after the infusion (vitals "during and for 1 h after" the infusion in the NIMH
# trial [@diazgranados-2010]) and no CADSS discharge criterion (null = not used).
TRD_CLINIC_VALUES = {
    "monitoring.min_observation_min": 60,
    "monitoring.discharge.cadss_threshold": None,
}
# A full workup with nothing found: every fact the TRD rules ask about is answered, and the
# chart's medication list was reviewed with the patient and is complete.
CLEAR_ANSWERS = {
    "medications_unreviewed": False,
    "pregnant": False,
    "breastfeeding": False,
    "bp_systolic": 122.0,
    "bp_diastolic": 78.0,
    "heart_rate": 70.0,
    "history": [],
    "failed_antidepressant_trials": 2,
    "suicide_risk": "none",
    "inpatient_care_needed": False,
}


def screen(*, patient, version, actor, **answers):
    facts = {**facts_from_record(patient, clinic_today(patient.clinic)), **CLEAR_ANSWERS, **answers}
    return screen_patient(patient=patient, protocol_version=version, facts=facts, actor=actor)


NO_CADSS = {"monitoring.discharge.cadss_threshold": None}
DEMO_PROTOCOLS = {
    "iv-ketamine-trd": TRD_CLINIC_VALUES,
    "esketamine-trd-label": NO_CADSS,
    "esketamine-mdsi-label": NO_CADSS,
    "iv-ketamine-bipolar-depression": NO_CADSS,
}
# (answers laid over a clear workup, override reason or None, co-sign?, plan?)
DEMO_SCREENINGS = [
    ({}, None, False, True),
    (
        {"failed_antidepressant_trials": 1},
        "One adequate trial failed and a second was not tolerated (documented intolerance).",
        True,
        True,
    ),
    (
        {"failed_antidepressant_trials": 1},
        "Severe, disabling episode; patient declines ECT.",
        False,
        False,
    ),
]


def make_treatment_demo(clinic) -> dict:
    director = User.objects.get(email="medical_director@demo.clinic")
    prescriber = User.objects.get(email="prescriber@demo.clinic")
    activated = 0
    for protocol_id, values in DEMO_PROTOCOLS.items():
        exists = ProtocolVersion.objects.filter(
            clinic_protocol__clinic=clinic, clinic_protocol__protocol_id=protocol_id
        ).exists()
        if not exists:
            activate_protocol(
                clinic=clinic, protocol_id=protocol_id, actor=director, clinic_values=values
            )
            activated += 1
    version = active_version(clinic, "iv-ketamine-trd")
    patients = _mdd_patients_without_benzodiazepines(clinic)[: len(DEMO_SCREENINGS)]
    screened = 0
    for patient, spec in zip(patients, DEMO_SCREENINGS, strict=False):
        if ScreeningVerdict.objects.filter(patient=patient).exists():
            continue
        _screen_and_plan(patient, version, prescriber, director, *spec)
        screened += 1
    return {"protocols_activated": activated, "patients_screened": screened}


def _mdd_patients_without_benzodiazepines(clinic) -> list[Patient]:
    rows = (
        Patient.objects.active()
        .filter(
            clinic=clinic, mrn__startswith="DEMO-", diagnoses__icd10_code__in=["F33.2", "F32.2"]
        )
        .exclude(medications__drug_class="benzodiazepine")
        .order_by("mrn")
        .distinct()
    )
    return list(rows)


def _screen_and_plan(patient, version, prescriber, director, answers, reason, cosign, plan):
    verdict = screen(
        patient=patient, version=version, actor=prescriber, **{**CLEAR_ANSWERS, **answers}
    )
    if reason and verdict.can_be_overridden:
        override_screening(verdict=verdict, reason=reason, actor=prescriber)
        if cosign:
            cosign_override(verdict=verdict, actor=director, note="Reviewed; agree.")
    if (
        plan
        and verdict.permits_treatment
        and not TreatmentPlan.objects.filter(patient=patient).exists()
    ):
        today = clinic_today(patient.clinic)
        start = today - timedelta(days=today.weekday()) - timedelta(weeks=1)  # last week's Monday
        create_plan(patient=patient, protocol_version=version, start_date=start, actor=prescriber)
