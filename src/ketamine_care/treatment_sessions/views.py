"""Session screens: the floor, scheduling and check-in, and the session itself. Thin: parse,
authorize, call one service, render (a partial when the request comes from HTMX)."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability, dose_checker_by_email, has_capability
from ketamine_care.core.errors import DomainError, ValidationFailed
from ketamine_care.inventory.queries import lot_for_dose
from ketamine_care.patients.models import Patient
from ketamine_care.protocols.queries import active_versions
from ketamine_care.treatment_sessions import forms, queries, services, states
from ketamine_care.treatment_sessions.access import access_session, access_session_alert
from ketamine_care.treatment_sessions.models import AdverseEventType
from ketamine_care.treatment_sessions.readings import SYMPTOMS
from ketamine_care.treatment_sessions.services.readiness import discharge_status

DETAIL = "treatment_sessions:detail"


def _errors_to_form(form, error: DomainError) -> None:
    for field, message in error.fields.items():
        name = field.rsplit(".", 1)[-1]
        form.add_error(name if name in form.fields else None, message)
    if not error.fields:
        form.add_error(None, error.message)


@clinic_required(Capability.VIEW_SESSIONS)
def floor(request):
    chairs = queries.floor(request.membership.clinic)
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
                _errors_to_form(form, error)
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


def session_context(request, session, **bound) -> dict:
    from ketamine_care.treatment_sessions.services.prechecks import pre_check_results

    membership = request.membership
    readings = queries.readings_with_minutes(session)
    alerts = list(session.alerts.select_related("acknowledged_by"))
    can = {c.value: has_capability(membership, c) for c in Capability}
    # The next lifecycle step offered as a button; signing has its own form.
    following = [s for s in states.TRANSITIONS[session.state] if s in states.LIFECYCLE]
    next_state = following[0] if following and following[0] != states.SIGNED else None
    bp_times = [r["measured_at"] for r in readings if r["bp_systolic_mmhg"] is not None]
    return {
        "session": session,
        "patient": session.patient,
        "readings": readings,
        "alerts": alerts,
        "pre_checks": pre_check_results(session) if session.state not in states.FINAL else [],
        "discharge": discharge_status(session, rows=None, alerts=alerts)
        if session.dose_started_at
        else None,
        "dose": session.doses.select_related("given_by", "checked_by").first(),
        "adverse_events": list(session.adverse_events.all()),
        "amendments": list(session.amendments.select_related("created_by")),
        "next_state": next_state,
        "next_label": states.LABELS.get(next_state, ""),
        "minute_now": session.minute_of(timezone.now()),
        # Before dosing, an open urgent alert holds the dose (start_dosing refuses).
        "dose_hold": [a for a in alerts if a.tier == "urgent" and a.is_open]
        if session.state in (states.CHECKED_IN, states.PRE_ASSESSMENT)
        else [],
        "bp_due": queries.bp_due(session, bp_times),
        "symptom_labels": SYMPTOMS,
        "can": can,
        "is_final": session.state in states.FINAL,
        "forms": {
            "pre_checks": bound.get("pre_checks") or forms.PreChecksForm(),
            "dose": bound.get("dose") or forms.DoseForm(),
            "vitals": bound.get("vitals") or forms.VitalsForm(),
            "adverse_event": bound.get("adverse_event") or forms.AdverseEventForm(),
            "sign": bound.get("sign") or forms.SignForm(),
            "amend": bound.get("amend") or forms.AmendForm(),
        },
        "amend_targets": _amend_targets(session, readings),
        "ae_types": AdverseEventType.choices,
    }


def _amend_targets(session, readings) -> list[tuple[str, str]]:
    targets = [("note", "The note")]
    targets += [
        (f"reading:{r['public_id']}", f"Reading at {r['measured_at']:%H:%M}") for r in readings
    ]
    targets += [(f"dose:{d.public_id}", d.summary_line()) for d in session.doses.all()]
    targets += [
        (f"adverse_event:{e.public_id}", e.summary_line()) for e in session.adverse_events.all()
    ]
    return targets


@clinic_required(Capability.VIEW_SESSIONS)
def detail(request, session_id):
    session = access_session(request.membership, session_id)
    template = "treatment_sessions/session.html"
    if request.htmx and request.htmx.target == "vitals":
        template += "#vitals"
    queries.record_session_view(session=session, actor=request.user, request=request)
    return render(request, template, session_context(request, session))


def _run(request, session, call, success: str, form=None, form_name: str = ""):
    """Call one service; on a domain error show it (on the form when there is one)."""
    try:
        call()
    except DomainError as error:
        if form is not None:
            _errors_to_form(form, error)
            context = session_context(request, session, **{form_name: form})
            session.refresh_from_db()
            return render(request, "treatment_sessions/session.html", context, status=422)
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect(DETAIL, session_id=session.public_id)


@clinic_required(Capability.RUN_SESSION)
@require_POST
def transition(request, session_id):
    session = access_session(request.membership, session_id, Capability.RUN_SESSION)
    form = forms.TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the next state.")
        return redirect(DETAIL, session_id=session.public_id)
    data = form.cleaned_data
    return _run(
        request,
        session,
        lambda: services.transition(
            session=session,
            to=data["to"],
            actor=request.user,
            reason=data["reason"],
            escort_present=data["escort_present"],
            request=request,
        ),
        f"Session is now {states.LABELS.get(data['to'], data['to']).lower()}.",
    )


@clinic_required(Capability.RUN_SESSION)
@require_POST
def pre_checks(request, session_id):
    session = access_session(request.membership, session_id, Capability.RUN_SESSION)
    form = forms.PreChecksForm(request.POST)
    if not form.is_valid():
        context = session_context(request, session, pre_checks=form)
        return render(request, "treatment_sessions/session.html", context, status=422)
    data = form.cleaned_data
    values = {
        "weight_kg": data["weight_kg"],
        "confirm_weight": data["confirm_weight"],
        "last_food_at": data["last_food_at"],
        "last_liquids_at": data["last_liquids_at"],
        "escort_confirmed": data["escort_confirmed"] or None,
        "consent_on_file": data["consent_on_file"] or None,
        "pregnancy_test": data["pregnancy_test"] or None,
    }
    if data["concomitant_recorded"]:
        values["concomitant"] = {
            flag: data[flag]
            for flag in (
                "benzodiazepine",
                "non_benzodiazepine_sedative_hypnotic",
                "psychostimulant",
                "maoi",
                "opioid",
            )
        } | {"notes": data["medication_notes"]}
    if data["day_of_session_asked"]:
        values["day_of_session"] = {
            flag: data[flag]
            for flag in ("recent_alcohol_or_drugs", "intoxication_signs", "stimulant_or_cocaine")
        } | {"nasal_medication_at": data["nasal_medication_at"]}
    return _run(
        request,
        session,
        lambda: services.record_pre_checks(
            session=session, actor=request.user, request=request, **values
        ),
        "Pre-session checks saved.",
        form,
        "pre_checks",
    )


@clinic_required(Capability.OVERRIDE_PRE_CHECK)
@require_POST
def override(request, session_id):
    session = access_session(request.membership, session_id, Capability.OVERRIDE_PRE_CHECK)
    form = forms.OverrideForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the check and a reason to override it.")
        return redirect(DETAIL, session_id=session.public_id)
    return _run(
        request,
        session,
        lambda: services.override_pre_check(
            session=session, actor=request.user, request=request, **form.cleaned_data
        ),
        "Check overridden.",
    )


def _device_times(text: str) -> list[datetime]:
    times = []
    for line in (text or "").split():
        try:
            parsed = datetime.fromisoformat(line.strip())
        except ValueError as exc:
            raise ValidationFailed(
                "Enter device times as YYYY-MM-DDTHH:MM.",
                fields={"device_times": f"Not a time: {line}"},
            ) from exc
        times.append(timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed)
    return times


@clinic_required(Capability.RUN_SESSION)
@require_POST
def dose(request, session_id):
    session = access_session(request.membership, session_id, Capability.RUN_SESSION)
    form = forms.DoseForm(request.POST)
    if not form.is_valid():
        context = session_context(request, session, dose=form)
        return render(request, "treatment_sessions/session.html", context, status=422)
    data = dict(form.cleaned_data)

    def call():
        # An unknown lot must not quietly record the dose without its ledger draw.
        lot = lot_for_dose(session.clinic, data.pop("lot_id"))
        checker = dose_checker_by_email(session.clinic, data.pop("checked_by_email"))
        services.record_dose(
            session=session,
            actor=request.user,
            checked_by=checker,
            lot=lot,
            device_times=_device_times(data.pop("device_times")),
            request=request,
            **data,
        )

    return _run(request, session, call, "Dose recorded.", form, "dose")


@clinic_required(Capability.RUN_SESSION)
@require_POST
def vitals(request, session_id):
    session = access_session(request.membership, session_id, Capability.RUN_SESSION)
    form = forms.VitalsForm(request.POST)
    status = 200
    hold = False
    if form.is_valid():
        reading = {k: v for k, v in form.cleaned_data.items()}
        reading["measured_at"] = reading["measured_at"] or timezone.now()
        try:
            result = services.record_vitals(
                session=session, actor=request.user, readings=[reading], request=request
            )
        except DomainError as error:
            _errors_to_form(form, error)
            status = 422
        else:
            form = forms.VitalsForm()
            hold = any(a.tier == "urgent" for a in result.new_alerts)
    else:
        status = 422
    session.refresh_from_db()
    context = session_context(request, session, vitals=form)
    if request.htmx:
        response = render(request, "treatment_sessions/session.html#vitals", context, status=status)
        return _refresh_if_dose_hold_changed(response, session, hold)
    if status == 200:
        return redirect(DETAIL, session_id=session.public_id)
    return render(request, "treatment_sessions/session.html", context, status=status)


@clinic_required(Capability.RUN_SESSION)
@require_POST
def acknowledge(request, session_id, session_alert_id):
    session = access_session(request.membership, session_id, Capability.RUN_SESSION)
    alert = access_session_alert(session, session_alert_id)
    form = forms.AcknowledgeForm(request.POST)
    action = form.cleaned_data["action_taken"] if form.is_valid() else ""
    try:
        services.acknowledge_alert(
            alert=alert, actor=request.user, action_taken=action, request=request
        )
    except DomainError as error:
        messages.error(request, error.message)
    context = session_context(request, session)
    if request.htmx:
        response = render(request, "treatment_sessions/session.html#vitals", context)
        return _refresh_if_dose_hold_changed(response, session, alert.tier == "urgent")
    return redirect(DETAIL, session_id=session.public_id)


def _refresh_if_dose_hold_changed(response, session, urgent: bool):
    """Before dosing, an urgent alert raised or acknowledged changes the dose hold shown in
    the "Next step" panel, outside the vitals fragment: reload the whole page."""
    if urgent and session.state in (states.CHECKED_IN, states.PRE_ASSESSMENT):
        response["HX-Refresh"] = "true"
    return response


@clinic_required(Capability.RUN_SESSION)
@require_POST
def adverse_event(request, session_id):
    session = access_session(request.membership, session_id, Capability.RUN_SESSION)
    form = forms.AdverseEventForm(request.POST)
    if not form.is_valid():
        context = session_context(request, session, adverse_event=form)
        return render(request, "treatment_sessions/session.html", context, status=422)
    return _run(
        request,
        session,
        lambda: services.record_adverse_event(
            session=session, actor=request.user, request=request, **form.cleaned_data
        ),
        "Adverse event recorded.",
        form,
        "adverse_event",
    )


@clinic_required(Capability.SIGN_SESSION)
@require_POST
def sign(request, session_id):
    session = access_session(request.membership, session_id, Capability.SIGN_SESSION)
    form = forms.SignForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _run(
        request,
        session,
        lambda: services.sign_session(
            session=session, actor=request.user, note_text=note, request=request
        ),
        "Session signed.",
    )


@clinic_required(Capability.AMEND_SESSION)
@require_POST
def amend(request, session_id):
    session = access_session(request.membership, session_id, Capability.AMEND_SESSION)
    form = forms.AmendForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the amendment and a reason.")
        return redirect(DETAIL, session_id=session.public_id)
    data = form.cleaned_data
    target_type, _, target_id = data["target"].partition(":")
    return _run(
        request,
        session,
        lambda: services.amend_session(
            session=session,
            actor=request.user,
            kind=data["kind"],
            text=data["text"],
            reason=data["reason"],
            target_type=target_type,
            target_id=target_id or None,
            request=request,
        ),
        "Amendment recorded.",
    )
