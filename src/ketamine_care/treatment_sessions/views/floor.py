"""The front of the session list: the treatment floor, scheduling and check-in."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability, has_capability, require
from ketamine_care.core.clock import clinic_date_of, clinic_now, clinic_today, clinic_zone
from ketamine_care.core.errors import DomainError
from ketamine_care.dosing.access import visit_in_clinic
from ketamine_care.dosing.queries import planned_visit_on
from ketamine_care.patients.models import Patient
from ketamine_care.patients.services import record_chart_view
from ketamine_care.protocols.queries import active_versions
from ketamine_care.treatment_sessions import forms, queries, services, states
from ketamine_care.treatment_sessions.access import access_session
from ketamine_care.treatment_sessions.services.visits import version_for_visit
from ketamine_care.treatment_sessions.views.page import DETAIL, errors_to_form
from ketamine_care.treatment_sessions.visit_links import sessions_of_visits


@clinic_required(Capability.VIEW_SESSIONS)
def floor(request):
    # A chair whose patient has a high-risk questionnaire alert comes after the session
    # alerts, for roles that see measures.
    patient_alerts = has_capability(request.membership, Capability.VIEW_MEASURES)
    chairs = queries.floor(request.membership.clinic, patient_alerts=patient_alerts)
    # The floor refreshes every 15 s: each refresh shows the patients again and is recorded.
    queries.record_sessions_listed(
        clinic=request.membership.clinic,
        sessions=[chair.session for chair in chairs],
        actor=request.user,
        request=request,
        part="floor",
    )
    template = "treatment_sessions/floor.html"
    if request.htmx:
        template += "#chairs"
    return render(request, template, {"chairs": chairs, "now": timezone.now()})


def _visit_initial(visit) -> dict:
    """The schedule form for a planned visit: its patient, protocol and day."""
    try:
        version = version_for_visit(visit)
    except DomainError:
        version = None  # the form then asks for a protocol, and the service says why
    clinic = visit.plan.patient.clinic
    day = visit.date
    if day == clinic_today(clinic):
        when = clinic_now(clinic).replace(second=0, microsecond=0)
    else:
        # A suggestion the desk changes: the plan has days, not times.
        when = datetime.combine(day, time(9, 0), tzinfo=clinic_zone(clinic))
    return {
        "mrn": visit.plan.patient.mrn,
        "protocol_version": str(version.public_id) if version else "",
        "scheduled_for": when,
        "planned_visit": visit.public_id,
    }


def _visit_for(clinic, patient, data):
    """The planned visit a new session belongs to: the one chosen (from the day list or the
    calendar), else the patient's visit that day if no session was made of it yet."""
    if data["planned_visit"]:
        return visit_in_clinic(clinic, data["planned_visit"])
    when = data["scheduled_for"] or timezone.now()
    visit = planned_visit_on(patient, clinic_date_of(clinic, when))
    if visit is not None and sessions_of_visits(clinic, [visit]):
        return None
    return visit


@clinic_required(Capability.SCHEDULE_SESSION)
@require_http_methods(["GET", "POST"])
def schedule(request):
    clinic = request.membership.clinic
    versions = active_versions(clinic)
    visit = None
    if request.method == "GET" and request.GET.get("visit"):
        visit = visit_in_clinic(clinic, request.GET["visit"])
        # The form shows the visit's patient: a read of patient data.
        record_chart_view(
            patient=visit.plan.patient, actor=request.user, request=request, part="schedule"
        )
    initial = _visit_initial(visit) if visit else {}
    form = forms.ScheduleForm(request.POST or None, initial=initial, versions=versions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        patient = Patient.objects.active().filter(clinic=clinic, mrn=data["mrn"].strip()).first()
        version = next((v for v in versions if str(v.public_id) == data["protocol_version"]), None)
        visit = _visit_for(clinic, patient, data) if patient else None
        if patient is None:
            form.add_error("mrn", "No patient with this MRN in this clinic.")
        else:
            try:
                session = services.schedule_session(
                    patient=patient,
                    protocol_version=version,
                    actor=request.user,
                    scheduled_for=data["scheduled_for"],
                    planned_visit=visit,
                    ad_hoc_reason="" if visit else data["ad_hoc_reason"],
                    chair_label=data["chair_label"],
                    request=request,
                )
            except DomainError as error:
                errors_to_form(form, error)
            else:
                messages.success(request, "Session scheduled.")
                if has_capability(request.membership, Capability.VIEW_SESSIONS):
                    return redirect(DETAIL, session_id=session.public_id)
                return redirect("treatment_sessions:check_in_list")
    status = 422 if form.errors else 200
    context = {"form": form, "visit": visit}
    return render(request, "treatment_sessions/schedule.html", context, status=status)


@clinic_required(Capability.CHECK_IN_SESSION)
def check_in_list(request):
    day = clinic_today(request.membership.clinic)
    sessions = queries.sessions_for(request.membership.clinic, day=day).filter(
        state__in=[states.SCHEDULED, states.CHECKED_IN]
    )
    queries.record_sessions_listed(
        clinic=request.membership.clinic,
        sessions=sessions,
        actor=request.user,
        request=request,
        part="check_in",
    )
    context = {
        "sessions": sessions,
        "day": day,
        "chairs_in_use": sorted({c for c, _ in queries.active_chairs(request.membership.clinic)}),
    }
    return render(request, "treatment_sessions/check_in.html", context)


@clinic_required(Capability.CHECK_IN_SESSION)
@require_POST
def check_in(request, session_id):
    session = access_session(request.membership, session_id, Capability.CHECK_IN_SESSION)
    form = forms.CheckInForm(request.POST)
    chair = form.cleaned_data["chair_label"] if form.is_valid() else ""
    try:
        session = services.check_in(
            session=session, actor=request.user, chair_label=chair, request=request
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        _checked_in(request, session)
    return _after_check_in(request, session)


@clinic_required(Capability.CHECK_IN_SESSION)
@require_POST
def check_in_visit(request, visit_id):
    """A patient with a planned visit today arrives before anyone scheduled the session:
    schedule it for the visit and check it in at once."""
    require(request.membership, Capability.SCHEDULE_SESSION)
    visit = visit_in_clinic(request.membership.clinic, visit_id)
    form = forms.CheckInForm(request.POST)
    chair = form.cleaned_data["chair_label"] if form.is_valid() else ""
    try:
        session = services.check_in_visit(
            visit=visit, actor=request.user, chair_label=chair, request=request
        )
    except DomainError as error:
        messages.error(request, " ".join([error.message, *error.fields.values()]))
        return redirect(f"{reverse('dosing:day')}?date={visit.date:%Y-%m-%d}")
    _checked_in(request, session)
    return _after_check_in(request, session)


def _checked_in(request, session) -> None:
    messages.success(request, f"{session.patient.full_name} is checked in.")
    warning = queries.chair_warning(request.membership.clinic, session)
    if warning:
        messages.warning(request, warning)


def _after_check_in(request, session):
    if has_capability(request.membership, Capability.VIEW_SESSIONS):
        return redirect(DETAIL, session_id=session.public_id)
    return redirect("treatment_sessions:check_in_list")
