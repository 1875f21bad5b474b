"""The end of a session: discharge with its assessment, the prescribers' *To sign* worklist
and signing the note with the password entered again."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_POST

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability
from ketamine_care.treatment_sessions import forms, queries
from ketamine_care.treatment_sessions.access import access_session
from ketamine_care.treatment_sessions.services.closing import (
    discharge_instructions,
    discharge_patient,
    sign_note,
)
from ketamine_care.treatment_sessions.views.page import invalid, run


@clinic_required(Capability.RUN_SESSION)
@require_POST
def discharge(request, session_id):
    session = access_session(request.membership, session_id, Capability.RUN_SESSION)
    form = forms.DischargeForm(request.POST, instructions=discharge_instructions())
    if not form.is_valid():
        return invalid(request, session, discharge=form)
    data = form.cleaned_data
    return run(
        request,
        session,
        lambda: discharge_patient(
            session=session,
            actor=request.user,
            escort_name=data["escort_name"],
            instructions=list(data["instructions"]),
            other_instructions=data["other_instructions"],
            confirmed=data["confirmed"],
            request=request,
        ),
        f"{session.patient.full_name} is discharged.",
        form,
        "discharge",
    )


@clinic_required(Capability.SIGN_SESSION)
@require_POST
def sign(request, session_id):
    session = access_session(request.membership, session_id, Capability.SIGN_SESSION)
    form = forms.SignForm(request.POST)
    if not form.is_valid():
        return invalid(request, session, sign=form)
    data = form.cleaned_data
    return run(
        request,
        session,
        lambda: sign_note(
            session=session,
            actor=request.user,
            password=data["password"],
            note_text=data["note"],
            generated_note_complete=data["generated_note_complete"],
            request=request,
        ),
        "Session note signed.",
        form,
        "sign",
    )


@clinic_required(Capability.SIGN_SESSION)
def to_sign(request):
    sessions = list(queries.to_sign(request.membership.clinic))
    queries.record_sessions_listed(
        clinic=request.membership.clinic,
        sessions=sessions,
        actor=request.user,
        request=request,
        part="to_sign",
    )
    return render(request, "treatment_sessions/to_sign.html", {"sessions": sessions})
