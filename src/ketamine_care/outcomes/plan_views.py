"""The Stanley-Brown safety plan on the chart: view, write or review, print. Thin."""

from __future__ import annotations

from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.core.errors import Conflict, DomainError
from ketamine_care.outcomes import services
from ketamine_care.outcomes.forms import SafetyPlanForm
from ketamine_care.outcomes.models import SAFETY_PLAN_FIELDS, SafetyPlan
from ketamine_care.outcomes.queries import (
    latest_flags,
    open_alerts_for_patient,
    suicidality_raised,
)
from ketamine_care.patients.access import access_patient
from ketamine_care.patients.services import record_chart_view

VIEW, WRITE = Capability.VIEW_MEASURES, Capability.RECORD_ADMINISTRATION


def _initial(patient, plan: SafetyPlan | None) -> dict:
    if plan is not None:  # a review starts from the current version
        return {"based_on": plan.public_id, **{n: getattr(plan, n) for n in SAFETY_PLAN_FIELDS}}
    return {"professionals": services.safety_settings_for(patient.clinic).crisis_resources}


def _context(request, patient, form=None, editing=False) -> dict:
    plan = services.current_safety_plan(patient)
    can_write = has_capability(request.membership, WRITE) and patient.is_active
    alerts = open_alerts_for_patient(patient)
    return {
        "patient": patient,
        "safety_plan": plan,
        "versions": SafetyPlan.objects.filter(patient=patient).select_related("created_by"),
        "safety_plan_needed": plan is None and suicidality_raised(alerts, latest_flags(patient)),
        "can_write_plan": can_write,
        "plan_form": form
        or (SafetyPlanForm(initial=_initial(patient, plan)) if can_write else None),
        "editing": editing,
    }


@clinic_required(VIEW)
def safety_plan(request, patient_id):
    patient = access_patient(request.membership, patient_id, VIEW)  # 404 before 405
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    record_chart_view(patient=patient, actor=request.user, request=request, part="safety_plan")
    context = _context(request, patient, editing=request.GET.get("edit") == "1")
    template = "outcomes/safety_plan.html"
    return render(request, template + "#section" if request.htmx else template, context)


@clinic_required(WRITE)
def save_safety_plan(request, patient_id):
    patient = access_patient(request.membership, patient_id, WRITE)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = SafetyPlanForm(request.POST)
    status = 422
    if form.is_valid():
        based_on = None
        if form.cleaned_data["based_on"]:
            based_on = SafetyPlan.objects.filter(
                patient=patient, public_id=form.cleaned_data["based_on"]
            ).first()
            if based_on is None:
                raise Http404("No such safety plan version")
        try:
            services.save_safety_plan(
                patient=patient,
                actor=request.user,
                sections=form.sections(),
                based_on=based_on,
                reviewed_on=form.cleaned_data["reviewed_on"],
                request=request,
            )
        except DomainError as error:
            status = 409 if isinstance(error, Conflict) else 422
            for field, message in error.fields.items():
                form.add_error(field if field in form.fields else None, message)
            if not error.fields:
                form.add_error(None, error.message)
        else:
            if request.htmx:
                context = _context(request, patient)
                return render(request, "outcomes/safety_plan.html#section", context)
            return redirect("safety_plans:page", patient_id=patient.public_id)
    context = _context(request, patient, form=form, editing=True)
    template = "outcomes/safety_plan.html"
    return render(request, template + "#section" if request.htmx else template, context,
                  status=status)  # fmt: skip


@clinic_required(VIEW)
def print_safety_plan(request, patient_id):
    patient = access_patient(request.membership, patient_id, VIEW)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    plans = SafetyPlan.objects.filter(patient=patient)
    version = request.GET.get("version")
    plan = plans.filter(version=version).first() if version and version.isdigit() else None
    if version and plan is None:
        raise Http404("No such safety plan version")
    plan = plan or plans.order_by("-version").first()
    if plan is None:
        raise Http404("No safety plan yet")
    record_chart_view(patient=patient, actor=request.user, request=request,
                      part=f"safety_plan_print v{plan.version}")  # fmt: skip
    settings = services.safety_settings_for(patient.clinic)
    context = {"patient": patient, "plan": plan, "crisis_resources": settings.crisis_resources}
    return render(request, "outcomes/safety_plan_print.html", context)
