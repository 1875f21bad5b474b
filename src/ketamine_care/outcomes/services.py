"""Writes for safety alerts. Raising happens inside the administration's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from ketamine_care.audit.services import record
from ketamine_care.core.clock import clinic_today
from ketamine_care.core.errors import Conflict, StateError, ValidationFailed
from ketamine_care.instruments.definition import load_definition
from ketamine_care.instruments.models import SAFETY_TIMEPOINT, Administration, TimePoint
from ketamine_care.outcomes.models import (
    REQUIRED_SECTIONS,
    SAFETY_PLAN_FIELDS,
    SAFETY_PLAN_SECTIONS,
    AlertStatus,
    ClinicSafetySettings,
    SafetyAlert,
    SafetyPlan,
)
from ketamine_care.outcomes.rules import OutcomeThresholds, load_thresholds
from ketamine_care.outcomes.safety import SafetyAlert as FiredRule
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


def _display_number(value) -> str:
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
    rules = clinic_rules(safety_settings_for(patient.clinic))
    fired = _fired_rules(administration, rules)
    now = timezone.now()
    digest = rules.digest if fired else ""
    alerts = []
    for found in fired:
        if not found.actions.clinician_alert and not found.actions.patient_crisis_screen:
            continue
        alert = _store_alert(administration, rules, found, digest=digest, now=now)
        record(
            event_type="safety_alert.raised",
            actor=actor,
            patient=patient,
            obj=alert,
            changes={
                "new": {
                    "rule_id": alert.rule_id,
                    "severity": alert.severity,
                    "rule_set_digest": digest,
                }
            },
            request=request,
        )
        alerts.append(alert)
    return alerts


def _fired_rules(administration: Administration, rules: SafetyRuleSet) -> list[FiredRule]:
    """The safety rules this administration fires, against its baseline where a rule needs one."""
    needs_baseline = any(
        r.instrument == administration.instrument_code and r.condition.kind == "subscale_rise"
        for r in rules.rules
    )
    baseline = _baseline_for(administration) if needs_baseline else None
    return evaluate_safety(
        rules,
        administration.as_score_result(),
        baseline.as_score_result() if baseline else None,
        SafetyContext(timepoint=SAFETY_TIMEPOINT.get(administration.time_point)),
    )


def _store_alert(
    administration: Administration,
    rules: SafetyRuleSet,
    found: FiredRule,
    *,
    digest: str,
    now: datetime,
) -> SafetyAlert:
    """One alert row for a fired rule, due for acknowledgement within the rule's minutes."""
    patient = administration.patient
    minutes = found.actions.acknowledge_within_minutes
    return SafetyAlert.objects.create(
        clinic=patient.clinic,
        patient=patient,
        administration=administration,
        rule_id=found.rule_id,
        rule_set_version=rules.version,
        rule_set_digest=digest,
        instrument_code=found.instrument,
        severity=found.severity,
        message=found.message,
        observed=_display_number(found.observed),
        threshold=_display_number(found.threshold),
        patient_crisis_screen=found.actions.patient_crisis_screen,
        care_team_task=found.actions.care_team_task or "",
        acknowledge_by=now + timedelta(minutes=minutes) if minutes else None,
        unconfigured=found.unconfigured,
        source=found.source,
        evidence=found.evidence,
    )


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
# Suicide-item rules whose cut-off the clinic may move (INSTITUTIONAL defaults in
# safety_rules.json); the settings form shows one field per rule.
SUICIDE_ITEM_RULES = (
    "madrs_item10_active_ideation",
    "qids_item12_active_ideation",
    "hamd17_item3_active_ideation",
)


def suicide_item_range(rule_id: str) -> tuple[int, int, str]:
    """(lowest, highest) allowed value of the rule's item, and the item's name."""
    rule = next(r for r in load_safety_rules().rules if r.id == rule_id)
    item = load_definition(rule.instrument).item(rule.condition.item)
    values = item.allowed_values()
    return min(values), max(values), item.name


def _check_suicide_thresholds(thresholds) -> dict[str, str]:
    errors = {}
    for rule_id, value in thresholds.items():
        if rule_id not in SUICIDE_ITEM_RULES:
            errors[rule_id] = "Not a suicide-item rule."
            continue
        low, high, _ = suicide_item_range(rule_id)
        # Above 0 so the rule can never be set to fire on every answer, and within the
        # item's range so it can never be set out of reach.
        if value is not None and not max(low, 1) <= value <= high:
            errors[rule_id] = f"Enter a whole number from {max(low, 1)} to {high}."
        elif value is not None and float(value) != int(value):
            errors[rule_id] = f"Enter a whole number from {max(low, 1)} to {high}."
    return errors


def update_safety_settings(
    *,
    clinic,
    actor,
    crisis_resources_text: str,
    crisis_protocol_text: str,
    cadss_discharge_threshold: float | None,
    suicide_item_thresholds: Mapping[str, float | None] | None = None,
    request=None,
) -> ClinicSafetySettings:
    """Save the clinic's crisis texts (blank = the shipped default naming 988 and emergency
    services), its CADSS discharge threshold (the sources give no number, so the clinic sets
    it; None = not set) and its suicide-item cut-offs by rule id (None = the
    shipped default). Audited with old and new values."""
    if cadss_discharge_threshold is not None and not 0 <= cadss_discharge_threshold <= 92:
        raise ValidationFailed(
            "The CADSS threshold must be within the 23-item total's range, 0 to 92.",
            fields={"cadss_discharge_threshold": "Enter a number from 0 to 92."},
        )
    suicide_item_thresholds = dict(suicide_item_thresholds or {})
    errors = _check_suicide_thresholds(suicide_item_thresholds)
    if errors:
        raise ValidationFailed("Please correct the suicide-item cut-offs.", fields=errors)
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
        for rule_id, value in suicide_item_thresholds.items():
            if value is None:
                values.pop(rule_id, None)
            else:
                values[rule_id] = int(value)
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
        **{rule_id: settings.rule_values.get(rule_id) for rule_id in SUICIDE_ITEM_RULES},
    }


# --- Stanley-Brown safety plans --------------------------------------------------------------

SUICIDALITY_FLAG = "suicidality"
# Rules about suicidality. A clinic may lower a suicide-item cut-off below the instrument's
# flag, so an alert counts by its rule as well as by the result's flag.
SUICIDALITY_RULES = frozenset(
    {
        *SUICIDE_ITEM_RULES,
        "phq9_item9_positive",
        "cssrs_high_risk",
        "cssrs_moderate_risk",
        "cssrs_low_risk",
    }
)
_MAX_SECTION = 4000


def current_safety_plan(patient) -> SafetyPlan | None:
    return SafetyPlan.objects.filter(patient=patient).order_by("-version").first()


def _clean_sections(sections: Mapping[str, str]) -> dict[str, str]:
    unknown = sorted(set(sections) - set(SAFETY_PLAN_FIELDS))
    errors = {name: "Not a section of the safety plan." for name in unknown}
    cleaned = {name: str(sections.get(name) or "").strip() for name in SAFETY_PLAN_FIELDS}
    labels = {name: label for name, label, _ in SAFETY_PLAN_SECTIONS}
    for name in REQUIRED_SECTIONS:
        if not cleaned[name]:
            errors[name] = f"{labels[name]}: write at least one line (or 'none identified yet')."
    for name, text in cleaned.items():
        if len(text) > _MAX_SECTION:
            errors[name] = f"Keep this section under {_MAX_SECTION} characters."
    if errors:
        raise ValidationFailed("The safety plan is incomplete.", fields=errors)
    return cleaned


def _check_reviewed_on(reviewed_on: date | None, *, clinic) -> date:
    today = clinic_today(clinic)
    if reviewed_on is None:
        return today
    if reviewed_on > today:
        raise ValidationFailed(
            "The review date cannot be in the future.",
            fields={"reviewed_on": "Give today's date or an earlier one."},
        )
    return reviewed_on


def save_safety_plan(
    *,
    patient,
    actor,
    sections: Mapping[str, str],
    based_on: SafetyPlan | None = None,
    reviewed_on: date | None = None,
    request=None,
) -> SafetyPlan:
    """Write a new version of the patient's safety plan: the first one (`based_on` None) or a
    review of the current one. Earlier versions are never changed. A review of a version that
    is no longer current (someone reviewed it meanwhile) is refused: 409, nothing saved."""
    if not patient.is_active:
        raise StateError("This patient was marked as entered in error and cannot be changed.")
    cleaned = _clean_sections(sections)
    when = _check_reviewed_on(reviewed_on, clinic=patient.clinic)
    with transaction.atomic():
        # Lock the patient row: two clinicians saving at once must not both become "v2".
        type(patient).objects.select_for_update(of=("self",), no_key=True).filter(
            pk=patient.pk
        ).first()
        current = current_safety_plan(patient)
        if based_on is None and current is not None:
            raise Conflict(
                f"This patient already has a safety plan (version {current.version}): review it.",
                fields={"based_on": "Review the current version instead."},
            )
        if based_on is not None and (current is None or based_on.pk != current.pk):
            raise Conflict(
                "The safety plan was reviewed by someone else meanwhile: reload and review the "
                "current version.",
                fields={"based_on": "Not the current version."},
            )
        plan = SafetyPlan.objects.create(
            clinic=patient.clinic,
            patient=patient,
            version=1 if current is None else current.version + 1,
            based_on=current,
            reviewed_on=when,
            created_by=actor,
            **cleaned,
        )
        changed = [
            n for n in SAFETY_PLAN_FIELDS if current is None or getattr(current, n) != cleaned[n]
        ]
        record(
            event_type="safety_plan.reviewed" if current else "safety_plan.created",
            actor=actor,
            patient=patient,
            obj=plan,
            changes={
                "new": {
                    "version": plan.version,
                    "reviewed_on": when.isoformat(),
                    "sections_changed": changed,
                }
            },  # fmt: skip
            request=request,
        )
    return plan
