"""Recording surveillance checks and acknowledging their alerts: typed keyword-only
arguments, the acting user, one transaction, the audit record inside it. A positive check
raises its alerts (`rules.py`) in the same transaction, each with its pathway."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ketamine_care.audit.services import record
from ketamine_care.core.clock import clinic_today
from ketamine_care.core.errors import StateError, ValidationFailed
from ketamine_care.instruments.models import TimePoint
from ketamine_care.instruments.services import record_administration
from ketamine_care.surveillance import labs, rules
from ketamine_care.surveillance.models import (
    AlertStatus,
    CheckKind,
    DrugScreenResult,
    LabResult,
    SurveillanceAlert,
    SurveillanceCheck,
)

ICSI = "icsi"
# Licensed cognitive screens: only the instrument's name and total are stored.
COGNITIVE_SCREENS = {
    "moca": ("Montreal Cognitive Assessment (MoCA)", 30, "[@nasreddine-2005]"),
    "mmse": ("Mini-Mental State Examination (MMSE)", 30, "[@folstein-1975]"),
}


LIMIT_REQUIRED = (
    "Enter the laboratory's upper limit of normal for {test}: without it the result cannot be read."
)


@dataclass(frozen=True)
class LabValue:
    test: str  # labs.BY_KEY key ("alt")
    value: Decimal
    unit: str
    upper_limit: Decimal | None = None  # required by record_liver_tests; None is refused


def _check_date(patient, done_on: date, field: str = "done_on") -> None:
    if not patient.is_active:
        raise StateError("This patient was marked as entered in error and cannot be changed.")
    if done_on > clinic_today(patient.clinic):
        raise ValidationFailed("The date is in the future.", fields={field: "Not in the future."})


def _create(*, patient, actor, kind: str, done_on: date, **columns) -> SurveillanceCheck:
    check = SurveillanceCheck.objects.create(
        clinic=patient.clinic, patient=patient, kind=kind, done_on=done_on, recorded_by=actor,
        **columns,
    )  # fmt: skip
    return check


def _raise(check: SurveillanceCheck, specs: Sequence[rules.AlertSpec], actor, request) -> list:
    raised = []
    for spec in specs:
        alert = SurveillanceAlert.objects.create(
            clinic=check.clinic,
            patient=check.patient,
            check_row=check,
            rule=spec.rule,
            tier=spec.tier,
            message=spec.message,
            pathway=spec.pathway,
            source=spec.source,
        )
        record(
            event_type="surveillance_alert.raised",
            actor=actor,
            patient=check.patient,
            obj=alert,
            changes={"new": {"rule": spec.rule, "tier": spec.tier, "pathway": spec.pathway}},
            request=request,
        )
        raised.append(alert)
    return raised


def _audit(check: SurveillanceCheck, actor, request, content: Mapping) -> None:
    record(
        event_type="surveillance_check.recorded",
        actor=actor,
        patient=check.patient,
        obj=check,
        changes={"new": {"kind": check.kind, "done_on": check.done_on.isoformat(), **content}},
        request=request,
    )


def record_bladder_review(
    *,
    patient,
    actor,
    done_on: date,
    answers: Mapping[str, int],
    haematuria: bool,
    note: str = "",
    request=None,
) -> SurveillanceCheck:
    """The ICSI (scored by its definition) and blood in the urine; raises the haematuria
    alert and the positive-screen alert with their pathways."""
    _check_date(patient, done_on)
    if not isinstance(haematuria, bool):
        raise ValidationFailed("Answer yes or no.", fields={"haematuria": "Answer yes or no."})
    with transaction.atomic():
        administration = record_administration(
            patient=patient,
            instrument_code=ICSI,
            answers=dict(answers),
            time_point=TimePoint.FOLLOW_UP,
            follow_up_day=None,
            actor=actor,
            request=request,
        )
        check = _create(
            patient=patient, actor=actor, kind=CheckKind.BLADDER_REVIEW, done_on=done_on,
            administration=administration, haematuria=haematuria, note=note,
        )  # fmt: skip
        _audit(
            check, actor, request, {"icsi_total": administration.total, "haematuria": haematuria}
        )
        specs = rules.bladder_alerts(
            haematuria=haematuria, icsi_total=administration.total, icsi_band=administration.band
        )
        check.raised_alerts = _raise(check, specs, actor, request)
    return check


def record_liver_tests(
    *, patient, actor, done_on: date, values: Sequence[LabValue], note: str = "", request=None
) -> SurveillanceCheck:
    """Liver test results (LOINC, UCUM); a value above the laboratory's upper limit alerts.
    Each value needs its upper limit: without it the value cannot be read, so it is refused
    (naming the `<test>_upper_limit` field) rather than stored as a check done."""
    _check_date(patient, done_on)
    errors = {}
    for value in values:
        test = labs.BY_KEY.get(value.test)
        if test is None:
            errors[value.test] = "Unknown test."
        elif value.unit not in test.units:
            errors[f"{value.test}_unit"] = f"Use one of: {', '.join(test.units)}."
        elif value.value < 0:
            errors[value.test] = "Not below 0."
        elif value.upper_limit is None:
            errors[f"{value.test}_upper_limit"] = LIMIT_REQUIRED.format(test=test.short)
        elif value.upper_limit < 0:
            errors[f"{value.test}_upper_limit"] = "Not below 0."
    if not values:
        errors["values"] = "Enter at least one result."
    if errors:
        raise ValidationFailed("Some results are not valid.", fields=errors)
    with transaction.atomic():
        check = _create(
            patient=patient, actor=actor, kind=CheckKind.LIVER_TESTS, done_on=done_on,
            note=note,
        )  # fmt: skip
        for value in values:
            LabResult.objects.create(
                check_row=check,
                loinc=labs.BY_KEY[value.test].loinc,
                value=value.value,
                unit=value.unit,
                upper_limit=value.upper_limit,
            )
        coded = {labs.BY_KEY[v.test].loinc: f"{v.value} {v.unit}" for v in values}
        _audit(check, actor, request, {"results": coded})
        named = [(labs.BY_KEY[v.test].short, v.value, v.unit, v.upper_limit) for v in values]
        check.raised_alerts = _raise(check, rules.liver_alerts(named), actor, request)
    return check


def record_cognitive_screen(
    *, patient, actor, done_on: date, instrument: str, total: int, note: str = "", request=None
) -> SurveillanceCheck:
    """A licensed cognitive screen: the instrument's name and total only."""
    _check_date(patient, done_on)
    if instrument not in COGNITIVE_SCREENS:
        raise ValidationFailed("Unknown screen.", fields={"instrument": "Choose a listed screen."})
    maximum = COGNITIVE_SCREENS[instrument][1]
    if not 0 <= total <= maximum:
        raise ValidationFailed(
            "The total is out of range.", fields={"total": f"A whole number from 0 to {maximum}."}
        )
    with transaction.atomic():
        check = _create(
            patient=patient, actor=actor, kind=CheckKind.COGNITIVE_SCREEN, done_on=done_on,
            cognitive_instrument=instrument, cognitive_total=total, note=note,
        )  # fmt: skip
        _audit(check, actor, request, {"instrument": instrument, "total": total})
        check.raised_alerts = []
    return check


def record_misuse_review(
    *,
    patient,
    actor,
    done_on: date,
    early_requests: bool,
    dose_escalation: bool,
    craving: bool,
    note: str = "",
    request=None,
) -> SurveillanceCheck:
    """The misuse signals asked about; any signal raises the misuse alert."""
    _check_date(patient, done_on)
    signals = {"early_requests": early_requests, "dose_escalation": dose_escalation}
    signals["craving"] = craving
    bad = {k: "Answer yes or no." for k, v in signals.items() if not isinstance(v, bool)}
    if bad:
        raise ValidationFailed("Answer every question.", fields=bad)
    with transaction.atomic():
        check = _create(
            patient=patient, actor=actor, kind=CheckKind.MISUSE_REVIEW, done_on=done_on,
            note=note, **signals,
        )  # fmt: skip
        _audit(check, actor, request, signals)
        check.raised_alerts = _raise(check, rules.misuse_alerts(signals), actor, request)
    return check


def record_drug_screen(
    *, patient, actor, done_on: date, result: str, detail: str = "", note: str = "", request=None
) -> SurveillanceCheck:
    _check_date(patient, done_on)
    if result not in DrugScreenResult.values:
        raise ValidationFailed("Unknown result.", fields={"result": "Choose a listed result."})
    if result == DrugScreenResult.POSITIVE and not detail.strip():
        raise ValidationFailed("Name what was found.", fields={"detail": "Name the substance."})
    with transaction.atomic():
        check = _create(
            patient=patient, actor=actor, kind=CheckKind.URINE_DRUG_SCREEN, done_on=done_on,
            drug_screen_result=result, drug_screen_detail=detail.strip(), note=note,
        )  # fmt: skip
        _audit(check, actor, request, {"result": result})
        specs = rules.drug_screen_alerts(result, detail.strip())
        check.raised_alerts = _raise(check, specs, actor, request)
    return check


def record_exposure_review(
    *, patient, actor, done_on: date, exposure: Mapping[str, float], note: str = "", request=None
) -> SurveillanceCheck:
    """The clinician reviewed the cumulative exposure shown (stored with the review)."""
    _check_date(patient, done_on)
    if not note.strip():
        raise ValidationFailed("Say what was decided.", fields={"note": "Say what was decided."})
    with transaction.atomic():
        check = _create(
            patient=patient, actor=actor, kind=CheckKind.EXPOSURE_REVIEW, done_on=done_on,
            exposure=dict(exposure), note=note,
        )  # fmt: skip
        _audit(check, actor, request, {"exposure": dict(exposure)})
        check.raised_alerts = []
    return check


def acknowledge_alert(*, alert: SurveillanceAlert, actor, note: str, request=None):
    """A clinician acknowledges an open surveillance alert, saying what was done."""
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("A note is required.", fields={"note": "Say what was done."})
    with transaction.atomic():
        alert = SurveillanceAlert.objects.select_for_update(of=("self",), no_key=True).get(
            pk=alert.pk
        )
        if alert.status != AlertStatus.OPEN:
            raise StateError("This alert is already acknowledged.")
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_by = actor
        alert.acknowledged_at = timezone.now()
        alert.acknowledgement_note = note
        alert.save(
            update_fields=["status", "acknowledged_by", "acknowledged_at", "acknowledgement_note"]
        )
        record(
            event_type="surveillance_alert.acknowledged",
            actor=actor,
            patient=alert.patient,
            obj=alert,
            changes={"new": {"status": alert.status, "note": note}},
            request=request,
        )
    return alert
