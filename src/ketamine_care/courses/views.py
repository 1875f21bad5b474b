"""Accept or decline a course-review recommendation (POST only; the plan page and the chart
show it). Thin: parse, call the service, redirect back to the plan."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability
from ketamine_care.core.errors import DomainError
from ketamine_care.core.labels import label
from ketamine_care.courses import services
from ketamine_care.courses.forms import PREFIX, DecisionForm
from ketamine_care.courses.labels import ACTION
from ketamine_care.dosing.models import TreatmentPlan
from ketamine_care.patients.access import access_patient, access_patient_child


def _plan(request, patient_id, plan_id):
    patient = access_patient(request.membership, patient_id, Capability.PLAN_TREATMENT)
    plan = access_patient_child(
        request.membership, TreatmentPlan, patient, plan_id, Capability.PLAN_TREATMENT
    )
    return patient, plan


def _back(patient, plan):
    return redirect("dosing:plan", patient_id=patient.public_id, plan_id=plan.public_id)


@clinic_required(Capability.PLAN_TREATMENT)
@require_http_methods(["POST"])
def accept(request, patient_id, plan_id):
    patient, plan = _plan(request, patient_id, plan_id)
    form = DecisionForm(request.POST, prefix=PREFIX)
    if not form.is_valid():
        messages.error(request, "The recommendation to accept was not named: reload the page.")
        return _back(patient, plan)
    action = form.cleaned_data["action"]
    try:
        decision = services.accept_recommendation(
            plan=plan, actor=request.user, expected_action=action, request=request
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        moved = len(decision.visits_moved)
        words = label(ACTION, action)
        messages.success(request, f"Accepted: {words}. {moved} visit(s) moved.")
    return _back(patient, plan)


@clinic_required(Capability.PLAN_TREATMENT)
@require_http_methods(["POST"])
def decline(request, patient_id, plan_id):
    patient, plan = _plan(request, patient_id, plan_id)
    form = DecisionForm(request.POST, prefix=PREFIX)
    if not form.is_valid():
        messages.error(request, "The recommendation to decline was not named: reload the page.")
        return _back(patient, plan)
    try:
        services.decline_recommendation(
            plan=plan,
            actor=request.user,
            expected_action=form.cleaned_data["action"],
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Declined; the plan is unchanged and the reason is recorded.")
    return _back(patient, plan)
