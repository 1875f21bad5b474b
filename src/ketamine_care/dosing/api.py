"""Dosing and plan REST endpoints under /patients/{id}: dose calculations, plans, visit moves."""

from uuid import UUID

from ninja import Router, Status

from ketamine_care.accounts.permissions import Capability
from ketamine_care.dosing import services
from ketamine_care.dosing.access import access_visit
from ketamine_care.dosing.models import PlannedVisit, TreatmentPlan
from ketamine_care.dosing.patient_dose import dose_for_patient
from ketamine_care.dosing.schemas import (
    ConfirmConditionalIn,
    DoseIn,
    MoveIn,
    PlanIn,
    PlanOut,
    VisitOut,
)
from ketamine_care.patients.access import access_patient, access_patient_child
from ketamine_care.patients.services import record_chart_view
from ketamine_care.screening.api import active_protocol_or_422

patient_router = Router(tags=["dosing"])


def visit_out(v: PlannedVisit) -> dict:
    return {
        "id": v.public_id,
        "number": v.number,
        "date": v.date,
        "planned_date": v.planned_date,
        "phase": v.phase,
        "dose": v.dose,
        "assessments": v.assessments,
        "min_gap_days": v.min_gap_days,
        "conditional": v.is_conditional,
        "condition": v.condition or None,
        "condition_confirmed_at": v.condition_confirmed_at,
    }


def plan_out(plan: TreatmentPlan) -> dict:
    return {
        "id": plan.public_id,
        "protocol": plan.protocol_id,
        "protocol_version": plan.protocol_version.public_id,
        "screening_verdict": plan.screening_verdict.public_id,
        "start_date": plan.start_date,
        "clinic_days": plan.clinic_days.split(","),
        "horizon_weeks": plan.horizon_weeks,
        "status": plan.status,
        "reviews": plan.reviews,
        "warnings": plan.warnings,
        "visits": [visit_out(v) for v in plan.visits.all()],
    }


@patient_router.post("/{patient_id}/dose-calculations", response=dict)
def calculate(request, patient_id: UUID, payload: DoseIn):
    """The calculator's JSON (`ketamine-care dose --json`); a blocked dose is still 200."""
    patient = access_patient(request.membership, patient_id, Capability.CALCULATE_DOSE)
    version = active_protocol_or_422(request.membership.clinic, payload.protocol)
    values = payload.dict(exclude={"protocol"})
    result = dose_for_patient(patient=patient, protocol_version=version, **values)
    record_chart_view(patient=patient, actor=request.user, request=request, part="dose")
    return result.as_json()


@patient_router.post("/{patient_id}/plans", response={201: PlanOut})
def create_plan(request, patient_id: UUID, payload: PlanIn):
    patient = access_patient(request.membership, patient_id, Capability.PLAN_TREATMENT)
    version = active_protocol_or_422(request.membership.clinic, payload.protocol)
    plan = services.create_plan(
        patient=patient,
        protocol_version=version,
        start_date=payload.start_date,
        clinic_days=payload.clinic_days,
        horizon_weeks=payload.horizon_weeks,
        maintenance=payload.maintenance.dict() if payload.maintenance else None,
        actor=request.user,
        request=request,
    )
    return Status(201, plan_out(plan))


@patient_router.get("/{patient_id}/plans", response=list[PlanOut])
def list_plans(request, patient_id: UUID):
    patient = access_patient(request.membership, patient_id, Capability.VIEW_TREATMENT)
    record_chart_view(patient=patient, actor=request.user, request=request, part="plans")
    plans = TreatmentPlan.objects.filter(patient=patient).select_related(
        "protocol_version", "screening_verdict"
    )
    return [plan_out(p) for p in plans.prefetch_related("visits")]


@patient_router.get("/{patient_id}/plans/{plan_id}", response=PlanOut)
def read_plan(request, patient_id: UUID, plan_id: UUID):
    patient = access_patient(request.membership, patient_id, Capability.VIEW_TREATMENT)
    plan = access_patient_child(
        request.membership, TreatmentPlan, patient, plan_id, Capability.VIEW_TREATMENT
    )
    record_chart_view(patient=patient, actor=request.user, request=request, part="plans")
    return plan_out(plan)


@patient_router.post("/{patient_id}/plans/{plan_id}/visits/{visit_id}/move", response=VisitOut)
def move_visit(request, patient_id: UUID, plan_id: UUID, visit_id: UUID, payload: MoveIn):
    visit = access_visit(request.membership, patient_id, plan_id, visit_id)
    services.move_visit(
        visit=visit,
        new_date=payload.date,
        reason=payload.reason,
        actor=request.user,
        request=request,
    )
    return visit_out(visit)


@patient_router.post("/{patient_id}/plans/{plan_id}/conditional-visits/confirm", response=PlanOut)
def confirm_conditional(request, patient_id: UUID, plan_id: UUID, payload: ConfirmConditionalIn):
    """A review confirms the plan's conditional visits (e.g. responders-only maintenance)."""
    patient = access_patient(request.membership, patient_id, Capability.PLAN_TREATMENT)
    plan = access_patient_child(
        request.membership, TreatmentPlan, patient, plan_id, Capability.PLAN_TREATMENT
    )
    services.confirm_conditional_visits(
        plan=plan, actor=request.user, note=payload.note, request=request
    )
    return plan_out(plan)
