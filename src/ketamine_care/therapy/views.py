"""The therapy screens of one patient: their sessions, a new session, one session's note with
its signing and amendments. Thin: parse, authorize, call one service or query, render."""

from __future__ import annotations

from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.core.clock import clinic_today
from ketamine_care.core.errors import Conflict, DomainError
from ketamine_care.patients.access import access_patient
from ketamine_care.patients.services import record_chart_view
from ketamine_care.therapy import queries, services
from ketamine_care.therapy.access import access_therapy_session
from ketamine_care.therapy.forms import AmendmentForm, TherapyNoteForm
from ketamine_care.therapy.models import NOTE_FIELDS

VIEW, RECORD = Capability.VIEW_THERAPY, Capability.RECORD_THERAPY


def _add_errors(form, error: DomainError) -> int:
    """Put a service's refusal on the form, by field; the status to answer with."""
    for field, message in error.fields.items():
        form.add_error(field if field in form.fields else None, message)
    if not error.fields:
        form.add_error(None, error.message)
    return 409 if isinstance(error, Conflict) else 422


@clinic_required(VIEW)
def patient_sessions(request, patient_id):
    patient = access_patient(request.membership, patient_id, VIEW)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    record_chart_view(patient=patient, actor=request.user, request=request, part="therapy")
    context = {
        "patient": patient,
        "sessions": queries.sessions_of(patient),
        "can_record": has_capability(request.membership, RECORD) and patient.is_active,
    }
    return render(request, "therapy/patient_sessions.html", context)


@clinic_required(RECORD)
def new_session(request, patient_id):
    patient = access_patient(request.membership, patient_id, RECORD)
    status = 200
    if request.method == "POST":
        form = TherapyNoteForm(request.POST, patient=patient)
        status = 422
        if form.is_valid():
            try:
                made = services.record_therapy_session(
                    patient=patient, actor=request.user, request=request, **form.values()
                )
            except DomainError as error:
                status = _add_errors(form, error)
            else:
                return redirect("therapy:detail", therapy_session_id=made.public_id)
    else:
        record_chart_view(patient=patient, actor=request.user, request=request, part="therapy_new")
        initial = {
            "kind": request.GET.get("kind", ""),
            "dosing_session": request.GET.get("after"),
            "held_on": clinic_today(patient.clinic),
        }
        form = TherapyNoteForm(initial=initial, patient=patient)
    context = {"patient": patient, "form": form}
    return render(request, "therapy/new_session.html", context, status=status)


def _detail_context(request, therapy_session, *, form=None, amend_form=None) -> dict:
    mine = therapy_session.therapist_id == request.user.pk
    can_record = has_capability(request.membership, RECORD)
    editable = can_record and mine and not therapy_session.is_signed
    if editable and form is None:
        initial = {name: getattr(therapy_session, name) for name in NOTE_FIELDS}
        initial.update(
            kind=therapy_session.kind,
            held_on=therapy_session.held_on,
            risk_check=therapy_session.risk_check,
            risk_details=therapy_session.risk_details,
            plan=str(therapy_session.plan.public_id) if therapy_session.plan else "",
            dosing_session=str(therapy_session.dosing_session.public_id)
            if therapy_session.dosing_session
            else "",
        )
        form = TherapyNoteForm(initial=initial, patient=therapy_session.patient, editing=True)
    can_amend = can_record and therapy_session.is_signed
    return {
        "patient": therapy_session.patient,
        "therapy_session": therapy_session,
        "dosing_day": queries.dosing_day_of(therapy_session),
        "amendments": therapy_session.amendments.select_related("created_by"),
        "risk_alerts": therapy_session.risk_alerts.all(),
        "form": form if editable else None,
        "can_sign": editable,
        "amend_form": (amend_form or AmendmentForm()) if can_amend else None,
    }


@clinic_required(VIEW)
def detail(request, therapy_session_id):
    therapy_session = access_therapy_session(request.membership, therapy_session_id, VIEW)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    queries.record_therapy_session_viewed(
        therapy_session=therapy_session, actor=request.user, request=request
    )
    return render(request, "therapy/detail.html", _detail_context(request, therapy_session))


@clinic_required(RECORD)
def edit(request, therapy_session_id):
    therapy_session = access_therapy_session(request.membership, therapy_session_id, RECORD)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = TherapyNoteForm(request.POST, patient=therapy_session.patient, editing=True)
    form.initial["kind"] = therapy_session.kind
    status = 422
    if form.is_valid():
        values = form.values()
        values.pop("kind", None)
        try:
            services.update_therapy_note(
                therapy_session=therapy_session, actor=request.user, request=request, **values
            )
        except DomainError as error:
            status = _add_errors(form, error)
        else:
            if request.POST.get("then") == "sign":
                return sign(request, therapy_session_id)
            return redirect("therapy:detail", therapy_session_id=therapy_session.public_id)
    context = _detail_context(request, therapy_session, form=form)
    return render(request, "therapy/detail.html", context, status=status)


@clinic_required(RECORD)
def sign(request, therapy_session_id):
    therapy_session = access_therapy_session(request.membership, therapy_session_id, RECORD)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.sign_therapy_note(
            therapy_session=therapy_session, actor=request.user, request=request
        )
    except DomainError as error:
        context = _detail_context(request, therapy_session)
        context["sign_error"] = error.fields.get("risk_check", error.message)
        status = 409 if isinstance(error, Conflict) else 422
        return render(request, "therapy/detail.html", context, status=status)
    return redirect("therapy:detail", therapy_session_id=therapy_session.public_id)


@clinic_required(RECORD)
def amend(request, therapy_session_id):
    therapy_session = access_therapy_session(request.membership, therapy_session_id, RECORD)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = AmendmentForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            services.amend_therapy_note(
                therapy_session=therapy_session,
                actor=request.user,
                request=request,
                **form.cleaned_data,
            )
        except DomainError as error:
            status = _add_errors(form, error)
        else:
            return redirect("therapy:detail", therapy_session_id=therapy_session.public_id)
    context = _detail_context(request, therapy_session, amend_form=form)
    return render(request, "therapy/detail.html", context, status=status)
