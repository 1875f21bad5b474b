"""The front of the session list: the treatment floor, scheduling and check-in."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.core.errors import DomainError
from ketamine_care.patients.models import Patient
from ketamine_care.protocols.queries import active_versions
from ketamine_care.treatment_sessions import forms, queries, services, states
from ketamine_care.treatment_sessions.access import access_session
from ketamine_care.treatment_sessions.views.page import DETAIL, errors_to_form


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


@clinic_required(Capability.SCHEDULE_SESSION)
@require_http_methods(["GET", "POST"])
def schedule(request):
    clinic = request.membership.clinic
    versions = active_versions(clinic)
    form = forms.ScheduleForm(request.POST or None, versions=versions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        patient = Patient.objects.active().filter(clinic=clinic, mrn=data["mrn"].strip()).first()
        version = next((v for v in versions if str(v.public_id) == data["protocol_version"]), None)
        if patient is None:
            form.add_error("mrn", "No patient with this MRN in this clinic.")
        else:
            try:
                session = services.schedule_session(
                    patient=patient,
                    protocol_version=version,
                    actor=request.user,
                    scheduled_for=data["scheduled_for"],
                    ad_hoc_reason=data["ad_hoc_reason"],
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
    return render(request, "treatment_sessions/schedule.html", {"form": form}, status=status)


@clinic_required(Capability.CHECK_IN_SESSION)
def check_in_list(request):
    day = timezone.localdate()
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
    return render(request, "treatment_sessions/check_in.html", {"sessions": sessions, "day": day})


@clinic_required(Capability.CHECK_IN_SESSION)
@require_POST
def check_in(request, session_id):
    session = access_session(request.membership, session_id, Capability.CHECK_IN_SESSION)
    form = forms.CheckInForm(request.POST)
    chair = form.cleaned_data["chair_label"] if form.is_valid() else ""
    try:
        services.check_in(session=session, actor=request.user, chair_label=chair, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{session.patient.full_name} is checked in.")
    if has_capability(request.membership, Capability.VIEW_SESSIONS):
        return redirect(DETAIL, session_id=session.public_id)
    return redirect("treatment_sessions:check_in_list")
