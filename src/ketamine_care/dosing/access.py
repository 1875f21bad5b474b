"""Fetch-or-fail for treatment plans' visits, scoped to the caller's clinic."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404

from ketamine_care.accounts.permissions import Capability
from ketamine_care.dosing.models import PlannedVisit, TreatmentPlan
from ketamine_care.patients.access import access_patient, access_patient_child


def access_visit(membership, patient_id, plan_id, visit_id) -> PlannedVisit:
    patient = access_patient(membership, patient_id, Capability.PLAN_TREATMENT)
    plan = access_patient_child(
        membership, TreatmentPlan, patient, plan_id, Capability.PLAN_TREATMENT
    )
    try:
        return PlannedVisit.objects.select_related("plan__patient").get(
            plan=plan, public_id=visit_id
        )
    except (PlannedVisit.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def visit_in_clinic(clinic, visit_id) -> PlannedVisit:
    """A planned visit of an active plan of `clinic` (for scheduling and check-in, which need
    no planning capability); another clinic's visit, or none, is a 404."""
    try:
        return PlannedVisit.objects.select_related(
            "plan__patient__clinic", "plan__protocol_version__clinic_protocol"
        ).get(public_id=visit_id, plan__patient__clinic=clinic, plan__status="active")
    except (PlannedVisit.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404 from exc
