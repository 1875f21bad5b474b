"""Writes for safety alerts. Raising happens inside the administration's transaction."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ketamine_care.audit.services import record
from ketamine_care.core.errors import StateError, ValidationFailed
from ketamine_care.instruments.models import SAFETY_TIMEPOINT, Administration, TimePoint
from ketamine_care.outcomes.models import AlertStatus, ClinicSafetySettings, SafetyAlert
from ketamine_care.outcomes.rules import OutcomeThresholds, load_thresholds
from ketamine_care.outcomes.safety import (
    SafetyContext,
    SafetyRuleSet,
    evaluate_safety,
    load_safety_rules,
)


def safety_settings_for(clinic) -> ClinicSafetySettings:
    """The clinic's settings row, or an unsaved one holding the defaults (no write on read)."""
    found = ClinicSafetySettings.objects.filter(clinic=clinic).first()
    return found or ClinicSafetySettings(clinic=clinic)


def clinic_rules(settings: ClinicSafetySettings) -> SafetyRuleSet:
    rules = load_safety_rules()
    return rules.configure(settings.rule_values) if settings.rule_values else rules


def clinic_thresholds(settings: ClinicSafetySettings) -> OutcomeThresholds:
    thresholds = load_thresholds()
    if settings.outcome_overrides:
        return thresholds.with_overrides(settings.outcome_overrides)
    return thresholds


def _baseline_for(administration: Administration) -> Administration | None:
    """The clinician-marked baseline of this instrument, else the earliest administration."""
    earlier = (
        Administration.objects.active()
        .filter(
            patient_id=administration.patient_id,
            instrument_code=administration.instrument_code,
        )
        .exclude(pk=administration.pk)
    )
    marked = earlier.filter(time_point=TimePoint.BASELINE).order_by("-administered_at").first()
    return marked or earlier.chronological().first()


def _text(value) -> str:
    """Rule values are floats in the data (3.0); show whole numbers as whole numbers."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def raise_alerts(*, administration: Administration, actor=None, request=None) -> list[SafetyAlert]:
    """Evaluate the clinic's safety rules against one administration and store the alerts.

    Runs inside the caller's transaction, so an administration and its alerts commit together.
    """
    patient = administration.patient
    settings = safety_settings_for(patient.clinic)
    rules = clinic_rules(settings)
    needs_baseline = any(
        r.instrument == administration.instrument_code and r.condition.kind == "subscale_rise"
        for r in rules.rules
    )
    baseline = _baseline_for(administration) if needs_baseline else None
    fired = evaluate_safety(
        rules,
        administration.as_score_result(),
        baseline.as_score_result() if baseline else None,
        SafetyContext(timepoint=SAFETY_TIMEPOINT.get(administration.time_point)),
    )
    now = timezone.now()
    alerts = []
    for found in fired:
        if not found.actions.clinician_alert and not found.actions.patient_crisis_screen:
            continue
        minutes = found.actions.acknowledge_within_minutes
        alert = SafetyAlert.objects.create(
            clinic=patient.clinic,
            patient=patient,
            administration=administration,
            rule_id=found.rule_id,
            rule_set_version=rules.version,
            instrument_code=found.instrument,
            severity=found.severity,
            message=found.message,
            observed=_text(found.observed),
            threshold=_text(found.threshold),
            patient_crisis_screen=found.actions.patient_crisis_screen,
            care_team_task=found.actions.care_team_task or "",
            acknowledge_by=now + timedelta(minutes=minutes) if minutes else None,
            unconfigured=found.unconfigured,
            source=found.source,
            evidence=found.evidence,
        )
        record(
            event_type="safety_alert.raised",
            actor=actor,
            patient=patient,
            obj=alert,
            changes={"new": {"rule_id": alert.rule_id, "severity": alert.severity}},
            request=request,
        )
        alerts.append(alert)
    return alerts


def acknowledge_alert(*, alert: SafetyAlert, actor, note: str, request=None) -> SafetyAlert:
    """A clinician acknowledges an open alert with a note saying what was done."""
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(
            "A note is required.", fields={"note": "Say what was done about this alert."}
        )
    with transaction.atomic():
        alert = SafetyAlert.objects.select_for_update(of=("self",), no_key=True).get(pk=alert.pk)
        if alert.status != AlertStatus.OPEN:
            raise StateError("This alert is already acknowledged.")
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_by = actor
        alert.acknowledged_at = timezone.now()
        alert.acknowledgement_note = note
        alert.save(
            update_fields=[
                "status",
                "acknowledged_by",
                "acknowledged_at",
                "acknowledgement_note",
                "updated_at",
            ]
        )
        record(
            event_type="safety_alert.acknowledged",
            actor=actor,
            patient=alert.patient,
            obj=alert,
            changes={"new": {"status": alert.status, "note": note}},
            request=request,
        )
    return alert


CADSS_DISCHARGE_RULE = "cadss_above_threshold_at_discharge"


def update_safety_settings(
    *,
    clinic,
    actor,
    crisis_resources_text: str,
    crisis_protocol_text: str,
    cadss_discharge_threshold: float | None,
    request=None,
) -> ClinicSafetySettings:
    """Save the clinic's crisis texts (blank = the shipped default naming 988 and emergency
    services) and its CADSS discharge threshold (clinical-reference §12.12 gives no number, so
    the clinic sets it; None = not set). Audited with old and new values."""
    if cadss_discharge_threshold is not None and not 0 <= cadss_discharge_threshold <= 92:
        raise ValidationFailed(
            "The CADSS threshold must be within the 23-item total's range, 0 to 92.",
            fields={"cadss_discharge_threshold": "Enter a number from 0 to 92."},
        )
    with transaction.atomic():
        settings = ClinicSafetySettings.objects.select_for_update(of=("self",), no_key=True).filter(
            clinic=clinic
        ).first() or ClinicSafetySettings(clinic=clinic)
        old = _settings_values(settings)
        settings.crisis_resources_text = (crisis_resources_text or "").strip()
        settings.crisis_protocol_text = (crisis_protocol_text or "").strip()
        values = dict(settings.rule_values)
        if cadss_discharge_threshold is None:
            values.pop(CADSS_DISCHARGE_RULE, None)
        else:
            values[CADSS_DISCHARGE_RULE] = cadss_discharge_threshold
        settings.rule_values = values
        settings.save()
        new = _settings_values(settings)
        changed = {k for k in new if new[k] != old[k]}
        if changed:
            record(
                event_type="safety_settings.changed",
                actor=actor,
                clinic=clinic,
                obj=settings,
                object_id=str(clinic.public_id),
                changes={"old": {k: old[k] for k in changed}, "new": {k: new[k] for k in changed}},
                request=request,
            )
    return settings


def _settings_values(settings: ClinicSafetySettings) -> dict:
    return {
        "crisis_resources_text": settings.crisis_resources_text,
        "crisis_protocol_text": settings.crisis_protocol_text,
        "cadss_discharge_threshold": settings.rule_values.get(CADSS_DISCHARGE_RULE),
    }
