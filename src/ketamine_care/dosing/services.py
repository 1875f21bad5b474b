"""Treatment plans: create one from `plan_course`, move a visit. Each audits in its
transaction; callers authorize first (PLAN_TREATMENT)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from pydantic import ValidationError as PydanticValidationError

from ketamine_care.accounts.models import Clinic, LabelJurisdiction
from ketamine_care.audit.services import record
from ketamine_care.core.clock import clinic_today
from ketamine_care.core.errors import Conflict, StateError, ValidationFailed
from ketamine_care.dosing import guards
from ketamine_care.dosing.models import PlannedVisit, PlanStatus, TreatmentPlan
from ketamine_care.dosing.patient_dose import patient_age_years
from ketamine_care.dosing.planning import (
    DAY_NAMES,
    DEFAULT_HORIZON_WEEKS,
    PlanInputError,
    Recurrence,
    parse_clinic_days,
    plan_course,
)
from ketamine_care.dosing.weights import DoseInputError
from ketamine_care.protocols.definition import ProtocolDefinition
from ketamine_care.protocols.models import ProtocolVersion
from ketamine_care.screening.models import ScreeningVerdict

MAX_HORIZON_WEEKS = 104
FREQUENCY_PATH = "schedule.blocks.frequency"  # days between visits, set by the clinic


class IneligibleForTreatment(Conflict):
    code = "ineligible_for_treatment"


def latest_verdict(patient, protocol_version: ProtocolVersion) -> ScreeningVerdict | None:
    return (
        ScreeningVerdict.objects.filter(patient=patient, protocol_version=protocol_version)
        .order_by("-evaluated_at", "-id")
        .first()
    )


def _phase_gaps(definition: ProtocolDefinition, every_days: int | None) -> dict[str, int]:
    """Minimum days between visits per phase: the smallest `min_gap_days` of the phase's
    blocks (the least strict, so a legitimate move is never refused), else the clinic's
    visit frequency, else 1 (never two visits on one day)."""
    gaps: dict[str, int] = {}
    for phase in ("induction", "maintenance"):
        known = [
            b.min_gap_days
            for b in definition.schedule.blocks
            if b.phase == phase and b.min_gap_days
        ]
        gaps[phase] = min(known) if known else (every_days or 1)
    return gaps


def _check_inputs(start_date, clinic_days, horizon_weeks) -> frozenset[int]:
    errors: dict[str, str] = {}
    days: frozenset[int] = frozenset()
    if not isinstance(start_date, date):
        errors["start_date"] = "Enter a date as YYYY-MM-DD."
    try:
        days = parse_clinic_days(",".join(clinic_days))
    except PlanInputError as exc:
        errors["clinic_days"] = exc.message
    if not 1 <= horizon_weeks <= MAX_HORIZON_WEEKS:
        errors["horizon_weeks"] = f"Between 1 and {MAX_HORIZON_WEEKS} weeks."
    if errors:
        raise ValidationFailed("Please correct the plan.", fields=errors)
    return days


def _check_plannable(patient, protocol_version: ProtocolVersion) -> None:
    if not patient.is_active:
        raise StateError("This patient was marked as entered in error.")
    if not protocol_version.is_active or (
        protocol_version.clinic_protocol.clinic_id != patient.clinic_id
    ):
        raise StateError("Plan under a protocol version that is active in this clinic.")


def _treatable_verdict(patient, protocol_version: ProtocolVersion):
    """The verdict a plan rests on: the patient's latest for this protocol version, which
    must permit treatment."""
    verdict = latest_verdict(patient, protocol_version)
    if verdict is None or not verdict.permits_treatment:
        raise IneligibleForTreatment(
            "Screen the patient for this protocol first: the latest verdict must be eligible, "
            "or a requires-override verdict overridden with a documented reason.",
            fields={"protocol": "No screening verdict permits this protocol."},
        )
    return verdict


def _course(definition, patient, **inputs):
    """The planned course, starting at the dose the clinic's label gives for the patient's
    age; planning's input errors become field errors."""
    try:
        start_dose = guards.jurisdiction_start(
            definition.dose_rule(),
            patient.clinic.label_jurisdiction,
            patient_age_years(patient),
        )
    except DoseInputError as exc:
        raise ValidationFailed(exc.message, fields={exc.field: exc.message}) from None
    try:
        return plan_course(definition, start_dose=start_dose, **inputs)
    except PlanInputError as exc:
        raise ValidationFailed(exc.message, fields={exc.field: exc.message}) from None


def _store_visits(plan: TreatmentPlan, visits, gaps: dict) -> None:
    PlannedVisit.objects.bulk_create(
        PlannedVisit(
            plan=plan,
            number=v.number,
            date=v.date,
            planned_date=v.date,
            phase=v.phase,
            dose=v.dose,
            assessments=list(v.assessments),
            min_gap_days=gaps[v.phase],
            condition=v.condition or "",
        )
        for v in visits
    )


def create_plan(
    *,
    patient,
    protocol_version: ProtocolVersion,
    start_date: date,
    actor,
    clinic_days: list[str] | tuple[str, ...] = DAY_NAMES[:5],
    horizon_weeks: int = DEFAULT_HORIZON_WEEKS,
    maintenance: dict | None = None,
    request=None,
) -> TreatmentPlan:
    """Plan a course under an active protocol version for a patient screened as treatable.

    `maintenance` (optional) replaces the protocol's maintenance blocks with the clinic's
    rhythm: `every` days or weeks from `start` (default: after induction), `until` a date or
    open-ended, and an optional step-down (`step_down_weeks`, `visits_per_step`); see
    `planning.Recurrence`.
    """
    _check_plannable(patient, protocol_version)
    days = _check_inputs(start_date, clinic_days, horizon_weeks)
    recurrence = _recurrence(maintenance)
    verdict = _treatable_verdict(patient, protocol_version)
    definition = protocol_version.parsed()
    every_days = protocol_version.clinic_values.get(FREQUENCY_PATH)
    course = _course(
        definition, patient, start=start_date, clinic_days=days, horizon_weeks=horizon_weeks,
        maintenance=recurrence, every_days=every_days,
    )  # fmt: skip
    gaps = _phase_gaps(definition, every_days)
    with transaction.atomic():
        plan = TreatmentPlan.objects.create(
            patient=patient,
            protocol_version=protocol_version,
            protocol_id=definition.id,
            screening_verdict=verdict,
            start_date=start_date,
            clinic_days=",".join(d for i, d in enumerate(DAY_NAMES) if i in days),
            horizon_weeks=horizon_weeks,
            reviews=course.as_json()["reviews"],
            warnings=list(course.warnings),
            created_by=actor,
        )
        _store_visits(plan, course.visits, gaps)
        record(
            event_type="plan.created",
            actor=actor,
            patient=patient,
            obj=plan,
            changes={
                "protocol": definition.id,
                "protocol_version": protocol_version.version,
                "start_date": start_date,
                "visits": len(course.visits),
                "screening_verdict": str(verdict.public_id),
                "maintenance": recurrence.model_dump(mode="json") if recurrence else None,
            },
            request=request,
        )
    return plan


def _recurrence(maintenance: dict | None) -> Recurrence | None:
    """Validate the clinic's maintenance rhythm; errors name `maintenance.<field>`."""
    if not maintenance:
        return None
    try:
        return Recurrence(**maintenance)
    except PydanticValidationError as exc:
        fields = {}
        for error in exc.errors():
            name = ".".join(str(p) for p in error["loc"]) or "maintenance"
            fields[f"maintenance.{name}" if error["loc"] else "maintenance"] = error["msg"]
        raise ValidationFailed("The maintenance rhythm is not valid.", fields=fields) from None


def move_visit(
    *, visit: PlannedVisit, new_date: date, actor, reason: str = "", request=None
) -> PlannedVisit:
    """Move one visit; refused when it would fall closer to a neighbour than the protocol's
    minimum gap (or pass it)."""
    plan = visit.plan
    if plan.status != PlanStatus.ACTIVE or not plan.patient.is_active:
        raise StateError("Only visits of an active plan can be moved.")
    if not isinstance(new_date, date):
        raise ValidationFailed("Enter a date.", fields={"date": "Enter a date as YYYY-MM-DD."})
    if new_date < clinic_today(plan.patient.clinic):
        raise ValidationFailed(
            "Cannot move into the past.", fields={"date": "Choose today or later."}
        )
    old_date = visit.date
    if new_date == old_date:
        return visit
    _check_gaps(visit, new_date)
    with transaction.atomic():
        visit.date = new_date
        visit.save(update_fields=["date", "updated_at"])
        record(
            event_type="plan.visit_moved",
            actor=actor,
            patient=plan.patient,
            obj=visit,
            changes={
                "visit": visit.number,
                "old": {"date": old_date},
                "new": {"date": new_date},
                "reason": (reason or "").strip()[:2000],
            },
            request=request,
        )
    return visit


def _check_gaps(visit: PlannedVisit, new_date: date) -> None:
    siblings = visit.plan.visits.exclude(pk=visit.pk)
    previous = siblings.filter(number__lt=visit.number).order_by("-number").first()
    following = siblings.filter(number__gt=visit.number).order_by("number").first()
    if previous and (new_date - previous.date).days < visit.min_gap_days:
        raise ValidationFailed(
            f"Visit {visit.number} must fall at least {visit.min_gap_days} days after visit "
            f"{previous.number} ({previous.date:%Y-%m-%d}): the protocol's minimum gap.",
            fields={"date": f"On or after {_plus(previous.date, visit.min_gap_days)}."},
        )
    if following and (following.date - new_date).days < following.min_gap_days:
        raise ValidationFailed(
            f"Visit {visit.number} must fall at least {following.min_gap_days} days before visit "
            f"{following.number} ({following.date:%Y-%m-%d}): the protocol's minimum gap.",
            fields={"date": f"On or before {_plus(following.date, -following.min_gap_days)}."},
        )


def _plus(day: date, days: int) -> str:
    return (day + timedelta(days=days)).isoformat()


def confirm_conditional_visits(*, plan: TreatmentPlan, actor, note: str, request=None) -> int:
    """A review confirms the plan's conditional visits (e.g. the patient responded): they stop
    being conditional. The review's finding is the required `note`. Returns how many."""
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(
            "Say what the review found.", fields={"note": "Give the review's finding."}
        )
    if plan.status != PlanStatus.ACTIVE or not plan.patient.is_active:
        raise StateError("Only visits of an active plan can be confirmed.")
    with transaction.atomic():
        pending = list(
            plan.visits.select_for_update(of=("self",), no_key=True)
            .exclude(condition="")
            .filter(condition_confirmed_at__isnull=True)
        )
        if not pending:
            raise StateError("This plan has no conditional visits waiting for a review.")
        now = timezone.now()
        for visit in pending:
            visit.condition_confirmed_at = now
            visit.condition_confirmed_by = actor
        PlannedVisit.objects.bulk_update(
            pending, ["condition_confirmed_at", "condition_confirmed_by"]
        )
        record(
            event_type="plan.conditional_visits_confirmed",
            actor=actor,
            patient=plan.patient,
            obj=plan,
            changes={
                "visits": [v.number for v in pending],
                "conditions": sorted({v.condition for v in pending}),
                "note": note[:2000],
            },
            request=request,
        )
    return len(pending)


def set_label_jurisdiction(*, clinic, actor, jurisdiction: str, request=None):
    """The product label the clinic follows where labels differ (esketamine: the EU SmPC
    starts patients 65 and older at 28 mg, the US label at 56 mg). Audited with old and new."""
    if jurisdiction not in LabelJurisdiction.values:
        choices = ", ".join(LabelJurisdiction.values)
        raise ValidationFailed(
            "Choose the label the clinic follows.",
            fields={"label_jurisdiction": f"Choose one of {choices}."},
        )
    with transaction.atomic():
        locked = Clinic.objects.select_for_update(of=("self",), no_key=True).get(pk=clinic.pk)
        old = locked.label_jurisdiction
        if old == jurisdiction:
            return locked
        locked.label_jurisdiction = jurisdiction
        locked.save(update_fields=["label_jurisdiction", "updated_at"])
        record(
            event_type="clinic.label_jurisdiction_changed",
            actor=actor,
            clinic=locked,
            obj=locked,
            object_id=str(locked.public_id),
            changes={
                "old": {"label_jurisdiction": old},
                "new": {"label_jurisdiction": jurisdiction},
            },
            request=request,
        )
    clinic.label_jurisdiction = jurisdiction
    return locked
