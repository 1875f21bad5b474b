"""Dosing and plan screens: dose calculator, new plan, plan calendar, moving a visit, day list."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.core import visit_links
from ketamine_care.core.clock import clinic_today
from ketamine_care.core.errors import DomainError
from ketamine_care.dosing import forms, queries, services
from ketamine_care.dosing.calendar_grid import month_grids
from ketamine_care.dosing.completeness import clinic_completeness, patient_plan_completeness
from ketamine_care.dosing.models import PlannedVisit, PlanStatus, TreatmentPlan
from ketamine_care.dosing.patient_dose import dose_for_patient
from ketamine_care.dosing.planning import parse_clinic_days
from ketamine_care.patients.access import access_patient, access_patient_child
from ketamine_care.patients.models import latest_body_metrics
from ketamine_care.patients.services import record_chart_view
from ketamine_care.protocols.queries import active_version, active_versions
from ketamine_care.screening.queries import eligible_protocol_id


def _form_field(form, name: str) -> str | None:
    """The form field an error names: "maintenance.every" is the form's "maintenance_every"."""
    for candidate in (name, name.replace(".", "_"), name.rsplit(".", 1)[-1]):
        if candidate in form.fields:
            return candidate
    return None


def _protocol_asked(request, patient) -> str:
    """The protocol named in the link, else the one the patient was found eligible for."""
    return request.GET.get("protocol") or eligible_protocol_id(patient) or ""


def _apply_errors(form, error: DomainError) -> None:
    for field, message in error.fields.items():
        form.add_error(_form_field(form, field), message)
    if not error.fields or not any(_form_field(form, f) for f in error.fields):
        form.add_error(None, error.message)


@clinic_required(Capability.CALCULATE_DOSE)
@require_http_methods(["GET", "POST"])
def dose(request, patient_id):
    patient = access_patient(request.membership, patient_id, Capability.CALCULATE_DOSE)
    protocols = active_versions(request.membership.clinic)
    initial = {"protocol": _protocol_asked(request, patient)}
    form = forms.DoseForm(
        request.POST if request.method == "POST" else None, initial=initial, protocols=protocols
    )
    result = None
    if request.method == "POST" and form.is_valid():
        version = active_version(request.membership.clinic, form.cleaned_data["protocol"])
        try:
            result = dose_for_patient(
                patient=patient, protocol_version=version, **form.calculator_args()
            )
        except DomainError as error:
            # An implausible weight or height is answered by the confirmation checkbox.
            implausible = {f: m for f, m in error.fields.items() if "confirm the weight" in m}
            for message in implausible.values():
                form.add_error("confirm_weight", message)
            if not implausible:
                _apply_errors(form, error)
    record_chart_view(patient=patient, actor=request.user, request=request, part="dose")
    context = {
        "patient": patient,
        "form": form,
        "result": result,
        "metrics": latest_body_metrics(patient),
        "protocols": protocols,
    }
    status = 422 if form.errors else 200
    template = "dosing/dose.html#dose-result" if request.htmx else "dosing/dose.html"
    return render(request, template, context, status=status)


@clinic_required(Capability.PLAN_TREATMENT)
@require_http_methods(["GET", "POST"])
def new_plan(request, patient_id):
    patient = access_patient(request.membership, patient_id, Capability.PLAN_TREATMENT)
    protocols = active_versions(request.membership.clinic)
    initial = {
        "protocol": _protocol_asked(request, patient),
        "start_date": clinic_today(patient.clinic),
    }
    form = forms.PlanForm(
        request.POST if request.method == "POST" else None, initial=initial, protocols=protocols
    )
    maintenance = form.maintenance() if request.method == "POST" and form.is_valid() else None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.create_plan(
                patient=patient,
                protocol_version=active_version(request.membership.clinic, data["protocol"]),
                start_date=data["start_date"],
                clinic_days=data["clinic_days"],
                horizon_weeks=data["horizon_weeks"],
                maintenance=maintenance,
                actor=request.user,
                request=request,
            )
        except DomainError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Treatment plan created.")
            return redirect("dosing:plan", patient_id=patient.public_id, plan_id=plan.public_id)
    if request.method == "GET":
        record_chart_view(patient=patient, actor=request.user, request=request, part="new_plan")
    context = {"patient": patient, "form": form, "protocols": protocols}
    return render(request, "dosing/new_plan.html", context, status=422 if form.errors else 200)


@clinic_required(Capability.VIEW_TREATMENT)
def plan_detail(request, patient_id, plan_id):
    patient = access_patient(request.membership, patient_id, Capability.VIEW_TREATMENT)
    plan = access_patient_child(
        request.membership, TreatmentPlan, patient, plan_id, Capability.VIEW_TREATMENT
    )
    record_chart_view(patient=patient, actor=request.user, request=request, part="plans")
    visits = visit_links.attach_links(request, list(plan.visits.all()))
    clinic_days = parse_clinic_days(plan.clinic_days)
    for visit in visits:
        visit.off_clinic_days = visit.date.weekday() not in clinic_days
    context = {
        "patient": patient,
        "plan": plan,
        "visits": visits,
        "months": month_grids(visits, plan.reviews),
        "today": clinic_today(patient.clinic),
        "visit_actions_template": visit_links.actions_template(),
        "completeness": patient_plan_completeness(patient, [plan])[0],
        "can_plan": has_capability(request.membership, Capability.PLAN_TREATMENT)
        and plan.status == PlanStatus.ACTIVE,
        "conditional": [v for v in visits if v.is_conditional],
        "confirm_form": forms.ConfirmConditionalForm(),
    }
    return render(request, "dosing/plan.html", context)


@clinic_required(Capability.PLAN_TREATMENT)
@require_http_methods(["POST"])
def confirm_conditional(request, patient_id, plan_id):
    """A review confirms the plan's conditional visits (e.g. responders-only maintenance)."""
    patient = access_patient(request.membership, patient_id, Capability.PLAN_TREATMENT)
    plan = access_patient_child(
        request.membership, TreatmentPlan, patient, plan_id, Capability.PLAN_TREATMENT
    )
    form = forms.ConfirmConditionalForm(request.POST)
    if form.is_valid():
        try:
            count = services.confirm_conditional_visits(
                plan=plan, actor=request.user, note=form.cleaned_data["note"], request=request
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{count} conditional visit(s) confirmed by the review.")
    else:
        messages.error(request, "Give the review's finding to confirm the conditional visits.")
    return redirect("dosing:plan", patient_id=patient.public_id, plan_id=plan.public_id)


@clinic_required(Capability.PLAN_TREATMENT)
@require_http_methods(["GET", "POST"])
def move_visit(request, patient_id, plan_id, visit_id):
    patient = access_patient(request.membership, patient_id, Capability.PLAN_TREATMENT)
    plan = access_patient_child(
        request.membership, TreatmentPlan, patient, plan_id, Capability.PLAN_TREATMENT
    )
    try:
        visit = plan.visits.get(public_id=visit_id)
    except (PlannedVisit.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    form = forms.MoveForm(
        request.POST if request.method == "POST" else None,
        initial={"date": visit.date},
        clinic_days=parse_clinic_days(plan.clinic_days),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.move_visit(
                visit=visit,
                new_date=form.cleaned_data["date"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
                request=request,
            )
        except DomainError as error:
            form.add_error("date", error.message)
        else:
            messages.success(request, f"Visit {visit.number} moved to {visit.date:%Y-%m-%d}.")
            if form.off_day:
                messages.warning(
                    request, f"Visit {visit.number} now falls on a day the clinic is not open."
                )
            return redirect("dosing:plan", patient_id=patient.public_id, plan_id=plan.public_id)
    context = {"patient": patient, "plan": plan, "visit": visit, "form": form}
    return render(request, "dosing/move_visit.html", context, status=422 if form.errors else 200)


@clinic_required(Capability.VIEW_TREATMENT)
def day_list(request):
    try:
        day = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = clinic_today(request.membership.clinic)
    visits = visit_links.attach_links(request, queries.day_visits(request.membership.clinic, day))
    queries.record_visits_listed(
        clinic=request.membership.clinic,
        day=day,
        visits=visits,
        actor=request.user,
        request=request,
    )
    context = {
        "day": day,
        "visits": visits,
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "completeness": clinic_completeness(request.membership.clinic),
        "visit_actions_template": visit_links.actions_template(),
    }
    return render(request, "dosing/day.html", context)


@clinic_required(Capability.MANAGE_SAFETY_SETTINGS)
@require_http_methods(["POST"])
def label_jurisdiction(request):
    """The label the clinic follows (form on the safety settings page)."""
    try:
        services.set_label_jurisdiction(
            clinic=request.membership.clinic,
            actor=request.user,
            jurisdiction=request.POST.get("label_jurisdiction", ""),
            request=request,
        )
    except DomainError as error:
        messages.error(request, " ".join([error.message, *error.fields.values()]))
    else:
        messages.success(request, "Label jurisdiction saved.")
    return redirect("outcomes:settings")
