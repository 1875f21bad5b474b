"""SPRAVATO REMS Patient Monitoring Form [@spravato-rems] for esketamine
sessions: pre-filled from the session and, for what the session cannot know, from the
patient's previous form; completeness blocks signing; submissions are recorded."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketamine_care.audit.services import record
from ketamine_care.core.clock import clinic_date_of
from ketamine_care.core.errors import StateError, ValidationFailed
from ketamine_care.treatment_sessions.models import PreSessionChecks, RemsMonitoringForm

_DATA = Path(__file__).resolve().parent.parent / "data" / "rems.json"

YES_NO = ("yes", "no")
BOOL_FIELDS = (
    "sedation_event",
    "dissociation_event",
    "respiratory_depression_event",
)
# Field -> label, in the form's order. BP pairs are mmHg.
FIELDS: dict[str, str] = {
    "concomitant_benzodiazepine": "Benzodiazepine",
    "concomitant_non_benzodiazepine_sedative_hypnotic": "Non-benzodiazepine sedative-hypnotic",
    "concomitant_psychostimulant": "Psychostimulant",
    "concomitant_maoi": "MAOI",
    "concomitant_opioid": "Opioid",
    "dose_mg": "Dose (mg)",
    "lot_number": "Lot number",
    "total_monitoring_min": "Total time from first device to end of monitoring (min)",
    "vitals_acceptable_before": "Vital signs acceptable before administration",
    "vitals_acceptable_before_completion": "Vital signs acceptable before completion",
    "bp_before_systolic_mmhg": "BP before administration, systolic (mmHg)",
    "bp_before_diastolic_mmhg": "BP before administration, diastolic (mmHg)",
    "bp_40_min_systolic_mmhg": "BP at 40 min, systolic (mmHg)",
    "bp_40_min_diastolic_mmhg": "BP at 40 min, diastolic (mmHg)",
    "bp_completion_systolic_mmhg": "BP before completion, systolic (mmHg)",
    "bp_completion_diastolic_mmhg": "BP before completion, diastolic (mmHg)",
    "sedation_event": "Sedation",
    "dissociation_event": "Dissociation",
    "respiratory_depression_event": "Respiratory depression",
    "ready_to_leave_min": "When the patient would have been ready to leave without the 2-h "
    "minimum (min after first device; REMS evaluation question)",
}
OPTIONAL = frozenset({"ready_to_leave_min"})


@cache
def rems_data() -> dict[str, Any]:
    return json.loads(_DATA.read_text(encoding="utf-8"))


def missing_fields(values: dict[str, Any]) -> list[str]:
    return [f for f in FIELDS if f not in OPTIONAL and values.get(f) in (None, "")]


def prefill(session) -> dict[str, Any]:
    """Values the session already knows, over the patient's previous form where unchanged."""
    previous = (
        RemsMonitoringForm.objects.filter(session__patient=session.patient)
        .exclude(session=session)
        .order_by("-session__scheduled_for")
        .first()
    )
    values: dict[str, Any] = {}
    if previous is not None:
        values.update({k: v for k, v in previous.values.items() if k.startswith("concomitant_")})
    checks = PreSessionChecks.objects.filter(session=session).first()
    if checks and checks.concomitant_today:
        for flag in rems_data()["concomitant_flags"]:
            values[f"concomitant_{flag}"] = "yes" if checks.concomitant_today.get(flag) else "no"
    dose = session.doses.first()
    if dose is not None:
        values["dose_mg"] = float(dose.dose_mg)
        values["lot_number"] = dose.lot_number
    values.update(_bp_values(session))
    if session.dose_started_at and session.ready_for_discharge_at:
        minutes = (session.ready_for_discharge_at - session.dose_started_at).total_seconds() / 60
        values["total_monitoring_min"] = int(minutes)
    events = set(session.adverse_events.values_list("event_type", flat=True))
    values.setdefault("sedation_event", "yes" if "sedation" in events else "no")
    values.setdefault("dissociation_event", "yes" if "dissociation" in events else "no")
    values.setdefault(
        "respiratory_depression_event", "yes" if "respiratory_depression" in events else "no"
    )
    return values


def _bp_values(session) -> dict[str, Any]:
    rows = list(
        session.readings.filter(bp_systolic_mmhg__isnull=False).values(
            "measured_at", "bp_systolic_mmhg", "bp_diastolic_mmhg"
        )
    )
    if not rows or session.dose_started_at is None:
        return {}
    start = session.dose_started_at
    before = [r for r in rows if r["measured_at"] < start]
    after_40 = [r for r in rows if r["measured_at"] >= start + timedelta(minutes=40)]
    values: dict[str, Any] = {}
    for prefix, row in (
        ("bp_before", before[-1] if before else None),
        ("bp_40_min", after_40[0] if after_40 else None),
        ("bp_completion", rows[-1] if rows[-1]["measured_at"] >= start else None),
    ):
        if row is not None:
            values[f"{prefix}_systolic_mmhg"] = row["bp_systolic_mmhg"]
            values[f"{prefix}_diastolic_mmhg"] = row["bp_diastolic_mmhg"]
    return values


def form_values(session) -> dict[str, Any]:
    """The stored form's values, or the pre-filled ones when nothing is stored yet."""
    form = RemsMonitoringForm.objects.filter(session=session).first()
    return {**prefill(session), **(form.values if form else {})}


def save_rems_form(*, session, actor, values: dict[str, Any], request=None):
    """Store the form (any subset of FIELDS; yes/no answers as "yes"/"no")."""
    from ketamine_care.treatment_sessions.services.lifecycle import locked, require_unsigned

    if session.drug != "esketamine":
        raise StateError("The REMS monitoring form is for esketamine sessions only.")
    errors = {}
    clean: dict[str, Any] = {}
    for name, value in values.items():
        if name not in FIELDS:
            errors[name] = "Unknown field."
        elif value in (None, ""):
            continue
        elif name.startswith("concomitant_") or name.startswith("vitals_") or name in BOOL_FIELDS:
            if value not in YES_NO:
                errors[name] = "Answer yes or no."
            clean[name] = value
        elif name == "lot_number":
            clean[name] = str(value)[:40]
        else:
            try:
                clean[name] = float(value) if name == "dose_mg" else int(value)
            except (TypeError, ValueError):
                errors[name] = "Enter a number."
    if errors:
        raise ValidationFailed("Please correct the highlighted fields.", fields=errors)
    with transaction.atomic():
        session = locked(session)
        require_unsigned(session)
        form, _ = RemsMonitoringForm.objects.get_or_create(
            session=session,
            defaults={"due_date": due_date(session), "updated_by": actor, "values": {}},
        )
        form.values = {**prefill(session), **form.values, **clean}
        form.updated_by = actor
        form.save()
        record(
            event_type="rems_form.saved",
            actor=actor,
            patient=session.patient,
            obj=session,
            changes={"new": clean, "missing": missing_fields(form.values)},
            request=request,
        )
    return form


def due_date(session):
    """Session day + the REMS deadline (7 calendar days [@spravato-rems])."""
    day = clinic_date_of(session.clinic, session.dose_started_at or session.scheduled_for)
    return day + timedelta(days=rems_data()["submission_deadline_days"])


def record_submission(*, session, actor, method: str, reference: str = "", request=None):
    """Record that the form reached the REMS (who, when, how). Only a complete form."""
    if method not in ("online", "fax"):
        raise ValidationFailed("Choose online or fax.", fields={"method": "Online or fax."})
    with transaction.atomic():
        form = (
            RemsMonitoringForm.objects.select_for_update(of=("self",), no_key=True)
            .filter(session=session)
            .first()
        )
        if form is None or missing_fields(form.values):
            raise StateError("Complete the REMS form before recording its submission.")
        if form.submitted_at is not None:
            raise StateError("This form's submission is already recorded.")
        form.submitted_at = timezone.now()
        form.submitted_by = actor
        form.submission_method = method
        form.submission_reference = (reference or "").strip()[:100]
        form.save()
        record(
            event_type="rems_form.submitted",
            actor=actor,
            patient=session.patient,
            obj=session,
            changes={"method": method, "reference": form.submission_reference},
            request=request,
        )
    return form


def record_printed(*, session, actor, request=None) -> None:
    """Audit the printable REMS form shown: patient data leaves the screen on paper."""
    record(
        event_type="rems_form.printed",
        actor=actor,
        patient=session.patient,
        obj=session,
        request=request,
    )


def record_exported(*, clinic, forms, start, end, actor, request=None) -> None:
    """Audit a REMS CSV export: the date range and which patients' forms left the system
    (access accounting per patient)."""
    record(
        event_type="rems_form.exported",
        actor=actor,
        clinic=clinic,
        changes={
            "start": start,
            "end": end,
            "forms": len(forms),
            "patients": list(dict.fromkeys(str(f.session.patient.public_id) for f in forms)),
            "count": len(forms),
        },
        request=request,
    )
