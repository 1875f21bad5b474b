"""A demo day of treatment sessions (idempotent, deterministic): one session in every state,
an urgent BP alert acknowledged, and a signed esketamine session with its REMS form.
Times are relative to when the demo is loaded; numbers are demo data, not guidance."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from ketamine_care.accounts.models import User
from ketamine_care.demo.ledger import demo_password
from ketamine_care.demo.treatment import screen
from ketamine_care.inventory.models import Lot
from ketamine_care.patients.models import Patient
from ketamine_care.protocols.queries import active_version
from ketamine_care.screening.models import ScreeningVerdict
from ketamine_care.treatment_sessions import services
from ketamine_care.treatment_sessions.models import TreatmentSession
from ketamine_care.treatment_sessions.services.closing import discharge_patient

MARK = "Demo day"
IV_STATES = [
    "scheduled",
    "checked_in",
    "pre_assessment",
    "dosing",
    "monitoring",
    "ready_for_discharge",
    "discharged",
    "signed",
    "cancelled",
    "aborted",
]


# The day-of-session questions asked, nothing found.
DAY_OF_SESSION_CLEAR = {
    "recent_alcohol_or_drugs": False,
    "intoxication_signs": False,
    "stimulant_or_cocaine": False,
}


def _pregnancy_test(session) -> str:
    return "not_applicable" if session.patient.sex == "male" else "negative"


def _demo_lot(clinic, lot_number: str) -> Lot:
    """A lot the demo ledger received (`demo.ledger`): demo doses draw from real stock."""
    return Lot.objects.select_related("product").get(clinic=clinic, lot_number=lot_number)


def ago(minutes: float):
    return timezone.now() - timedelta(minutes=minutes)


def make_session_demo(clinic) -> dict:
    if TreatmentSession.objects.filter(clinic=clinic, ad_hoc_reason__startswith=MARK).exists():
        return {"sessions_created": 0}
    nurse = User.objects.get(email="nurse@demo.clinic")
    prescriber = User.objects.get(email="prescriber@demo.clinic")
    iv = active_version(clinic, "iv-ketamine-trd")
    esk = active_version(clinic, "esketamine-trd-label")
    patients = _eligible(clinic, iv, prescriber, len(IV_STATES) + 1)
    for number, (state, patient) in enumerate(zip(IV_STATES, patients, strict=False), start=1):
        _iv_session(patient, iv, state, number, nurse, prescriber)
    _esketamine_session(patients[-1], esk, nurse, prescriber)
    return {"sessions_created": len(IV_STATES) + 1}


def _eligible(clinic, version, prescriber, count: int) -> list[Patient]:
    chosen = []
    for patient in (
        Patient.objects.active()
        .filter(clinic=clinic, mrn__startswith="DEMO-")
        .exclude(medications__drug_class="benzodiazepine")
        .order_by("mrn")
        .distinct()
    ):
        verdict = ScreeningVerdict.objects.filter(
            patient=patient, protocol_version=version
        ).first() or screen(patient=patient, version=version, actor=prescriber)
        if verdict.permits_treatment:
            chosen.append(patient)
        if len(chosen) == count:
            break
    return chosen


def _iv_session(patient, version, state, number, nurse, prescriber):
    """One IV session walked from scheduled up to `state`."""
    session = services.schedule_session(
        patient=patient,
        protocol_version=version,
        actor=nurse,
        ad_hoc_reason=f"{MARK}: demo session {number}",
        chair_label=f"Chair {number}",
        scheduled_for=ago(150),
    )
    if state in ("cancelled", "aborted"):
        _end_early(session, state, nurse)
        return
    steps = IV_STATES[: IV_STATES.index(state) + 1]
    if "checked_in" in steps:
        services.check_in(session=session, actor=nurse)
    if "pre_assessment" in steps:
        _pre_assess(session, nurse)
    if "dosing" not in steps:
        return
    _dose(session, state, nurse, prescriber)
    if "monitoring" not in steps:
        return
    services.start_monitoring(session=session, actor=nurse)
    session.refresh_from_db()
    if state == "monitoring":
        _monitor_with_alert(session, nurse)
        return
    _vitals(session, nurse, [(100, 136, 84, 4), (10, 126, 80, 5)])
    services.mark_ready_for_discharge(session=session, actor=nurse, escort_present=True)
    if state == "ready_for_discharge":
        return
    _discharge(session, nurse)
    if state == "signed":
        services.sign_session(session=session, actor=prescriber, note_text="Uneventful infusion.")


def _end_early(session, state, nurse):
    """A cancelled session never arrives; an aborted one is checked in first."""
    if state == "aborted":
        services.check_in(session=session, actor=nurse)
    services.transition(
        session=session, to=state, actor=nurse, reason="Patient unwell on arrival (demo)."
    )


def _pre_assess(session, nurse):
    services.start_pre_assessment(session=session, actor=nurse)
    services.record_pre_checks(
        session=session,
        actor=nurse,
        weight_kg=Decimal("72"),
        escort_confirmed=True,
        consent_on_file=True,
        concomitant={"benzodiazepine": False},
        pregnancy_test=_pregnancy_test(session),
        day_of_session=DAY_OF_SESSION_CLEAR,
    )
    _vitals(session, nurse, [(140, 122, 76, None)])


def _dose(session, state, nurse, prescriber):
    """The calculated dose, infused minutes ago according to how far the session has gone."""
    started = {"dosing": 2, "monitoring": 45}.get(state, 130)
    services.start_dosing(session=session, actor=nurse)
    session.refresh_from_db()
    services.record_dose(
        session=session,
        actor=nurse,
        checked_by=prescriber,
        checked_by_password=demo_password(),
        dose_mg=Decimal(str(session.pre_checks.calculated_dose_mg)),
        lot=_demo_lot(session.clinic, "KET-DEMO-A"),
        infusion_started_at=ago(started),
        infusion_ended_at=ago(started - 40) if started > 40 else None,
    )


def _monitor_with_alert(session, nurse):
    """A high BP that raises an urgent alert, acknowledged, then a better reading."""
    result = _vitals(session, nurse, [(35, 204, 104, 4)])
    for alert in result.new_alerts:
        services.acknowledge_alert(
            alert=alert,
            actor=nurse,
            action_taken="Repeated BP after 5 min; prescriber informed.",
        )
    _vitals(session, nurse, [(25, 158, 92, 4)])


def _vitals(session, nurse, rows):
    return services.record_vitals(
        session=session,
        actor=nurse,
        readings=[
            {
                "measured_at": ago(minutes),
                "bp_systolic_mmhg": systolic,
                "bp_diastolic_mmhg": diastolic,
                "heart_rate_bpm": 78,
                "spo2_percent": 98,
                "moaas": moaas,
            }
            for minutes, systolic, diastolic, moaas in rows
        ],
    )


def _esketamine_session(patient, version, nurse, prescriber, *, lot=None, password=None):
    """A signed esketamine session with its REMS form; its devices come from `lot` (the demo's
    ESK-DEMO-A by default), the prescriber checking with `password` (the demo's)."""
    screen(patient=patient, version=version, actor=prescriber)
    session = services.schedule_session(
        patient=patient,
        protocol_version=version,
        actor=nurse,
        ad_hoc_reason=f"{MARK}: esketamine session",
        chair_label="Room E",
        scheduled_for=ago(170),
    )
    services.check_in(session=session, actor=nurse)
    services.start_pre_assessment(session=session, actor=nurse)
    services.record_pre_checks(
        session=session,
        actor=nurse,
        last_food_at=ago(400),
        last_liquids_at=ago(200),
        escort_confirmed=True,
        consent_on_file=True,
        concomitant={"benzodiazepine": False},
        pregnancy_test=_pregnancy_test(session),
        day_of_session=DAY_OF_SESSION_CLEAR,
    )
    _vitals(session, nurse, [(165, 128, 80, None)])
    services.start_dosing(session=session, actor=nurse)
    session.refresh_from_db()
    dose = Decimal(str(session.pre_checks.calculated_dose_mg))
    devices = int(dose // 28)
    services.record_dose(
        session=session,
        actor=nurse,
        checked_by=prescriber,
        checked_by_password=password or demo_password(),
        dose_mg=dose,
        lot=lot or _demo_lot(session.clinic, "ESK-DEMO-A"),
        device_times=[ago(150 - 5 * i) for i in range(devices)],
    )
    services.start_monitoring(session=session, actor=nurse)
    session.refresh_from_db()
    _vitals(session, nurse, [(110, 146, 88, 4), (80, 138, 84, 5), (10, 126, 78, 5)])
    services.mark_ready_for_discharge(session=session, actor=nurse, escort_present=True)
    _discharge(session, nurse)
    services.save_rems_form(
        session=session,
        actor=nurse,
        values={
            "vitals_acceptable_before": "yes",
            "vitals_acceptable_before_completion": "yes",
            "ready_to_leave_min": 100,
        },
    )
    services.sign_session(session=session, actor=prescriber, note_text="Tolerated well.")


def _discharge(session, nurse) -> None:
    discharge_patient(
        session=session,
        actor=nurse,
        escort_name="Alex Morgan",
        instructions=["no_driving", "escort_home", "no_alcohol_cannabis", "no_major_decisions"],
        confirmed=True,
    )
