"""Builders for session tests, going through the services. Numbers are test data."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from ketamine_care.protocols.services import activate_protocol
from ketamine_care.screening.services import screen_patient
from ketamine_care.screening.tests.factories import clean_facts
from ketamine_care.testing.base import PASSWORD
from ketamine_care.treatment_sessions import services

# Values the reference leaves to the clinic (test data, not guidance).
CLINIC_VALUES = {
    "iv-ketamine-trd": {
        "monitoring.min_observation_min": 60,
        "monitoring.discharge.cadss_threshold": None,
    },
    "esketamine-trd-label": {"monitoring.discharge.cadss_threshold": None},
}


def activate(clinic, director, protocol_id="iv-ketamine-trd"):
    return activate_protocol(
        clinic=clinic,
        protocol_id=protocol_id,
        actor=director,
        clinic_values=CLINIC_VALUES[protocol_id],
    )


def screened_session(patient, version, actor, protocol_id="iv-ketamine-trd", **kwargs):
    screen_patient(
        patient=patient, protocol_version=version, facts=clean_facts(protocol_id), actor=actor
    )
    return services.schedule_session(
        patient=patient,
        protocol_version=version,
        actor=actor,
        ad_hoc_reason="test session",
        **kwargs,
    )


def in_pre_assessment(patient, version, nurse, prescriber, protocol_id="iv-ketamine-trd"):
    """A screened session checked in and in pre-assessment, its checks not yet recorded."""
    session = screened_session(patient, version, prescriber, protocol_id)
    services.check_in(session=session, actor=nurse)
    services.start_pre_assessment(session=session, actor=nurse)
    return session


def ago(minutes: float):
    return timezone.now() - timedelta(minutes=minutes)


# The day-of-session questions asked, nothing found.
DAY_OF_SESSION_CLEAR = {
    "recent_alcohol_or_drugs": False,
    "intoxication_signs": False,
    "stimulant_or_cocaine": False,
}


def complete_pre_checks(session, nurse, *, esketamine=False, **checks):
    """Every check met; `checks` adds to or replaces the values saved (a weight basis)."""
    values = {
        "escort_confirmed": True,
        "consent_on_file": True,
        "concomitant": {"benzodiazepine": False},
        "pregnancy_test": "negative",
        "day_of_session": DAY_OF_SESSION_CLEAR,
    }
    if not esketamine:
        values["weight_kg"] = Decimal("70")
    else:
        values.update(last_food_at=ago(180), last_liquids_at=ago(60))
    services.record_pre_checks(session=session, actor=nurse, **(values | checks))
    services.record_vitals(
        session=session,
        actor=nurse,
        readings=[
            {
                "measured_at": ago(200),
                "bp_systolic_mmhg": 124,
                "bp_diastolic_mmhg": 78,
                "heart_rate_bpm": 72,
            }
        ],
    )


def dosing_session(
    patient,
    version,
    nurse,
    prescriber,
    *,
    started_min_ago=120,
    password=PASSWORD,
    checks=None,
    **kwargs,
):
    """A session through check-in, pre-checks (with `checks` added) and the calculated dose;
    IV infusion started `started_min_ago`. The prescriber checks the dose with `password`."""
    session = screened_session(patient, version, prescriber, **kwargs)
    services.check_in(session=session, actor=nurse)
    services.start_pre_assessment(session=session, actor=nurse)
    complete_pre_checks(session, nurse, **(checks or {}))
    services.start_dosing(session=session, actor=nurse)
    session.refresh_from_db()
    services.record_dose(
        session=session,
        actor=nurse,
        checked_by=prescriber,
        checked_by_password=password,
        dose_mg=Decimal(str(session.pre_checks.calculated_dose_mg)),
        product="Ketamine 50 mg/mL",
        lot_number="L1",
        expiry_date=timezone.localdate() + timedelta(days=100),
        infusion_started_at=ago(started_min_ago),
        infusion_ended_at=ago(started_min_ago - 40),
    )
    services.start_monitoring(session=session, actor=nurse)
    session.refresh_from_db()
    return session


def ready_session(patient, version, nurse, prescriber, **kwargs):
    """An IV session whose discharge criteria are met, marked ready for discharge."""
    session = dosing_session(patient, version, nurse, prescriber, **kwargs)
    services.record_vitals(
        session=session,
        actor=nurse,
        readings=[
            {"measured_at": ago(40), "bp_systolic_mmhg": 132, "bp_diastolic_mmhg": 82,
             "heart_rate_bpm": 76},
            {"measured_at": ago(30), "bp_systolic_mmhg": 130, "bp_diastolic_mmhg": 80,
             "moaas": 5, "spo2_percent": 98, "heart_rate_bpm": 74},
        ],
    )  # fmt: skip
    services.mark_ready_for_discharge(session=session, actor=nurse, escort_present=True)
    session.refresh_from_db()
    return session


def discharged_session(patient, version, nurse, prescriber, **kwargs):
    """A session discharged with its assessment, waiting for the prescriber's signature."""
    from ketamine_care.treatment_sessions.services.closing import discharge_patient

    session = ready_session(patient, version, nurse, prescriber, **kwargs)
    discharge_patient(
        session=session,
        actor=nurse,
        escort_name="Sam Escort",
        instructions=["no_driving", "escort_home"],
        confirmed=True,
    )
    session.refresh_from_db()
    return session
