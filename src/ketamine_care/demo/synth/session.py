"""One signed synthetic session and what the session services would have stored with it:
the pre-session checks with the calculated dose, the dose drawn from the batch's lot, three
readings from a vital-sign profile with the alerts the evaluator raises for it (acknowledged,
as signing requires), now and then an adverse event, the discharge assessment, the REMS form
of an esketamine session, and the note frozen at signing (`note.build_summary`)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, timedelta
from decimal import ROUND_HALF_UP, Decimal

from ketamine_care.core.labels import ROUTE
from ketamine_care.core.labels import label as display_label
from ketamine_care.demo.sessions import DAY_OF_SESSION_CLEAR
from ketamine_care.demo.synth import catalogue
from ketamine_care.demo.synth.batch import Batch, public_id
from ketamine_care.treatment_sessions.models import (
    AdverseEvent,
    DischargeAssessment,
    DoseAdministration,
    PreSessionChecks,
    RemsMonitoringForm,
    SessionAlert,
    TreatmentSession,
    VitalSignsReading,
)
from ketamine_care.treatment_sessions.note import build_summary
from ketamine_care.treatment_sessions.services.rems import rems_data
from ketamine_care.treatment_sessions.services.session_dose import dose_weight
from ketamine_care.treatment_sessions.services.vitals import payload_digest

INSTRUCTIONS = ["no_driving", "escort_home", "no_alcohol_cannabis", "no_major_decisions"]
ACK = "Repeated the observations after 5 min; prescriber informed."
NOTE = "Session given as planned."
MEASURES = ("bp_systolic_mmhg", "bp_diastolic_mmhg", "heart_rate_bpm", "spo2_percent")


def session_rows(batch: Batch, run, s) -> dict:
    """The session of `s` (a `course.Given`) and its children; the session row."""
    ctx, start = run.ctx, s.start
    staff = ctx.staff
    template = s.template
    ends = start + timedelta(minutes=s.profile.readings[-1][0])
    session = batch.add(
        TreatmentSession,
        public_id=public_id(s.rng),
        created_at=start - timedelta(days=1, hours=2),
        updated_at=ends + timedelta(minutes=40),
        clinic_id=ctx.clinic.pk,
        patient_id=s.patient["id"],
        protocol_version_id=template.version_id,
        protocol_id=template.protocol_id,
        drug=template.drug,
        route=template.route,
        planned_visit_id=s.visit["id"],
        ad_hoc_reason="",
        chair_label=f"Chair {s.rng.randint(1, 8)}",
        scheduled_for=start - timedelta(minutes=30),
        state="signed",
        state_reason="",
        checked_in_at=start - timedelta(minutes=25),
        pre_assessment_at=start - timedelta(minutes=20),
        dosing_at=start - timedelta(minutes=2),
        monitoring_at=start + timedelta(minutes=2),
        ready_for_discharge_at=ends + timedelta(minutes=2),
        discharged_at=ends + timedelta(minutes=7),
        signed_at=ends + timedelta(minutes=40),
        cancelled_at=None,
        aborted_at=None,
        dose_started_at=start,
        escort_present=True,
        signed_by_id=staff["prescriber"],
        note_text=NOTE,
        created_by_id=staff["nurse"],
    )
    _checks(batch, run, s, session)
    dose = _dose(batch, run, s, session)
    readings = _readings(batch, s, session)
    alerts = _alerts(batch, run, s, session)
    events = _adverse_event(batch, run, s, session)
    _discharge(batch, run, s, session)
    if template.drug == "esketamine":
        _rems(batch, run, s, session, dose, readings, events)
    session["signed_summary"] = json.dumps(
        _summary(session, dose, readings, alerts, events, s.ratings), default=str
    )
    return session


def _checks(batch: Batch, run, s, session: dict) -> None:
    at = session["pre_assessment_at"]
    esketamine = s.template.drug == "esketamine"
    batch.add(
        PreSessionChecks,
        created_at=at,
        updated_at=at + timedelta(minutes=5),
        session_id=session["id"],
        screening_verdict_id=s.verdict["id"],
        weight_measurement_id=s.patient["measurement"]["id"],
        calculated_dose=s.calculated[0],
        last_food_at=at - timedelta(hours=6) if esketamine else None,
        last_liquids_at=at - timedelta(hours=3) if esketamine else None,
        escort_confirmed=True,
        pregnancy_test="not_applicable" if s.draw.sex == "male" else "negative",
        consent_on_file=True,
        concomitant_today=json.dumps({"benzodiazepine": False}),
        day_of_session=json.dumps(DAY_OF_SESSION_CLEAR),
        overrides="[]",
        recorded_by_id=run.ctx.staff["nurse"],
    )


def _dose(batch: Batch, run, s, session: dict) -> dict:
    """The dose as calculated, drawn from the batch's lot of the drug."""
    staff, start, template = run.ctx.staff, s.start, s.template
    dose_mg = Decimal(str(s.calculated[1])).quantize(Decimal("0.01"))
    lot = s.stock.lot(template.drug, s.visit["date"])
    if template.drug == "esketamine":
        devices = int(dose_mg // 28)
        quantity = Decimal(devices)
        infusion = {"infusion_started_at": None, "infusion_ended_at": None,
                    "device_times": json.dumps([_iso(start + timedelta(minutes=5 * i))
                                                for i in range(devices)])}  # fmt: skip
    else:
        quantity = (dose_mg / lot.strength).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        ended = start + timedelta(minutes=40)
        infusion = {"infusion_started_at": start, "infusion_ended_at": ended,
                    "device_times": "[]"}  # fmt: skip
    row_id = public_id(s.rng)
    entry = s.stock.draw(batch, lot, quantity, start, str(row_id), staff["nurse"], s.rng)
    return batch.add(
        DoseAdministration,
        public_id=row_id,
        created_at=start,
        updated_at=start,
        session_id=session["id"],
        drug=template.drug,
        product=lot.product,
        concentration_mg_per_ml=lot.strength if template.drug == "ketamine" else None,
        lot_number=lot.number,
        expiry_date=lot.expiry,
        dose_mg=dose_mg,
        calculated_dose_mg=dose_mg,
        **dose_weight(json.loads(s.calculated[0])),
        dose_change_reason="",
        route=template.route,
        given_by_id=staff["nurse"],
        checked_by_id=staff["prescriber"],
        ledger_entry_id=entry["id"],
        recorded_by_id=staff["nurse"],
        **infusion,
    )


def _iso(when) -> str:
    return when.astimezone(UTC).isoformat()


def _readings(batch: Batch, s, session: dict) -> list[dict]:
    rows = []
    for minute, systolic, diastolic, heart, spo2, moaas in s.profile.readings:
        when = s.start + timedelta(minutes=minute)
        values = dict(zip(MEASURES, (systolic, diastolic, heart, spo2), strict=True))
        item = {"measured_at": when, "source": "manual", "symptoms": [],
                "respiratory_rate_per_min": None, "moaas": moaas, **values}  # fmt: skip
        rows.append(
            batch.add(
                VitalSignsReading,
                public_id=public_id(s.rng),
                session_id=session["id"],
                symptoms="[]",
                idempotency_key=uuid.UUID(int=s.rng.getrandbits(128)).hex,
                payload_digest=payload_digest(item),
                recorded_by_id=session["created_by_id"],
                recorded_at=when + timedelta(minutes=1),
                **{k: v for k, v in item.items() if k != "symptoms"},
            )  # fmt: skip
        )
    return rows


def _alerts(batch: Batch, run, s, session: dict) -> list[dict]:
    rows = []
    for alert in s.alerts:
        when = s.start + timedelta(minutes=alert["minute"])
        rows.append(
            batch.add(
                SessionAlert,
                public_id=public_id(s.rng),
                session_id=session["id"],
                triggered_at=when,
                adverse_event_id=None,
                created_at=when,
                acknowledged_at=when + timedelta(minutes=3),
                acknowledged_by_id=run.ctx.staff["nurse"],
                action_taken=ACK,
                **alert,
            )  # fmt: skip
        )
    return rows


def _adverse_event(batch: Batch, run, s, session: dict) -> list[dict]:
    if s.rng.random() >= catalogue.ADVERSE_EVENT_RATE:
        return []
    kind, severity, action, outcome = s.rng.choice(catalogue.ADVERSE_EVENTS)
    onset = s.start + timedelta(minutes=30)
    return [
        batch.add(
            AdverseEvent,
            public_id=public_id(s.rng),
            created_at=onset,
            updated_at=onset,
            session_id=session["id"],
            event_type=kind,
            description="",
            severity=severity,
            serious=False,
            onset_at=onset,
            action_taken=action,
            outcome=outcome,
            recorded_by_id=run.ctx.staff["nurse"],
        )  # fmt: skip
    ]


def _discharge(batch: Batch, run, s, session: dict) -> None:
    at = session["discharged_at"]
    session["assessment"] = batch.add(
        DischargeAssessment, public_id=public_id(s.rng), created_at=at, updated_at=at,
        session_id=session["id"], recovery_instrument="", recovery_score=None,
        recovery_pass_mark=None, escort_name=s.escort, instructions=json.dumps(INSTRUCTIONS),
        other_instructions="", recorded_by_id=run.ctx.staff["nurse"],
    )  # fmt: skip


def _rems(batch: Batch, run, s, session: dict, dose: dict, readings, events) -> None:
    """The REMS form as `rems.prefill` fills it, completed and submitted online."""
    kinds = {e["event_type"] for e in events}
    monitored = session["ready_for_discharge_at"] - s.start
    before, at_40, completion = readings
    rems = rems_data()
    values = {f"concomitant_{flag}": "no" for flag in rems["concomitant_flags"]}
    values.update(
        dose_mg=float(dose["dose_mg"]), lot_number=dose["lot_number"],
        bp_before_systolic_mmhg=before["bp_systolic_mmhg"],
        bp_before_diastolic_mmhg=before["bp_diastolic_mmhg"],
        bp_40_min_systolic_mmhg=at_40["bp_systolic_mmhg"],
        bp_40_min_diastolic_mmhg=at_40["bp_diastolic_mmhg"],
        bp_completion_systolic_mmhg=completion["bp_systolic_mmhg"],
        bp_completion_diastolic_mmhg=completion["bp_diastolic_mmhg"],
        total_monitoring_min=int(monitored / timedelta(minutes=1)),
        sedation_event="yes" if "sedation" in kinds else "no",
        dissociation_event="yes" if "dissociation" in kinds else "no",
        respiratory_depression_event="yes" if "respiratory_depression" in kinds else "no",
        vitals_acceptable_before="yes", vitals_acceptable_before_completion="yes",
    )  # fmt: skip
    signed = session["signed_at"]
    batch.add(
        RemsMonitoringForm, created_at=signed, updated_at=signed, session_id=session["id"],
        values=json.dumps(values), due_date=s.start.astimezone(run.ctx.zone).date()
        + timedelta(days=rems["submission_deadline_days"]), updated_by_id=run.ctx.staff["nurse"],
        submitted_at=signed + timedelta(hours=1), submitted_by_id=run.ctx.staff["nurse"],
        submission_method="online", submission_reference=f"SYN-{session['id']}",
    )  # fmt: skip


def _summary(session, dose, readings, alerts, events, ratings) -> dict:
    staff = {"nurse": "Synthetic Nurse", "prescriber": "Synthetic Prescriber"}
    assessment = session["assessment"]
    return build_summary(
        dose={
            "line": f"{dose['dose_mg']} mg {dose['drug']} {display_label(ROUTE, dose['route'])}, "
            f"lot {dose['lot_number']}",
            "dose_mg": str(dose["dose_mg"]), "calculated_dose_mg": str(dose["calculated_dose_mg"]),
            "dose_change_reason": "", "given_by": staff["nurse"],
            "checked_by": staff["prescriber"], "started_at": str(_utc(session["dose_started_at"])),
        },
        readings=[{**r, "measured_at": _utc(r["measured_at"]), "symptoms": []} for r in readings],
        ratings=ratings,
        alerts=[
            {"rule": a["rule"], "tier": a["tier"], "at": str(_utc(a["triggered_at"])),
             "message": a["message"], "action_taken": ACK, "acknowledged_by": staff["nurse"]}
            for a in alerts
        ],
        adverse_events=[AdverseEvent(**{k: v for k, v in e.items() if k != "id"}).summary_line()
                        for e in events],
        discharge={
            "ready_at": str(_utc(session["ready_for_discharge_at"])),
            "discharged_at": str(_utc(session["discharged_at"])), "escort_present": True,
            "escort_name": assessment["escort_name"], "instructions": INSTRUCTIONS,
            "other_instructions": "", "recovery_instrument": "", "recovery_score": None,
        },
        note_text=NOTE,
    )  # fmt: skip


def _utc(when):
    return when.astimezone(UTC)
