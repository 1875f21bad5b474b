"""The steps of a session, each one service call: lifecycle transitions, pre-session
checks and overrides, the dose, vitals and their alerts, adverse events, the note."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability, dose_checker_by_email
from ketamine_care.core.errors import DomainError, ValidationFailed
from ketamine_care.inventory.queries import lot_for_dose
from ketamine_care.treatment_sessions import forms, services, states
from ketamine_care.treatment_sessions.access import access_session, access_session_alert
from ketamine_care.treatment_sessions.views.page import (
    DETAIL,
    PAGE,
    dose_form,
    errors_to_form,
    invalid,
    pre_checks_form,
    render_panels,
    run,
    session_context,
)


@clinic_required(Capability.RUN_SESSION)
@require_POST
def transition(request, session_id):
    session = access_session(request.membership, session_id, Capability.RUN_SESSION)
    form = forms.TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the next state.")
        return redirect(DETAIL, session_id=session.public_id)
    data = form.cleaned_data
    return run(
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
    form = pre_checks_form(session, request.POST)
    if not form.is_valid():
        return invalid(request, session, pre_checks=form)
    data = form.cleaned_data
    values = {
        "weight_kg": data["weight_kg"],
        "confirm_weight": data["confirm_weight"],
        # "" clears the basis chosen; no field (a fixed-mg protocol) keeps what is stored.
        "weight_basis": data.get("weight_basis"),
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
    return run(
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
    return run(
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
    form = dose_form(request, session, request.POST)
    if not form.is_valid():
        return invalid(request, session, dose=form)
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
            device_times=_device_times(data.pop("device_times", "")),
            request=request,
            **data,
        )

    return run(request, session, call, "Dose recorded.", form, "dose")


@clinic_required(Capability.RUN_SESSION)
@require_POST
def vitals(request, session_id):
    session = access_session(request.membership, session_id, Capability.RUN_SESSION)
    form = forms.VitalsForm(request.POST)
    status = 422
    if form.is_valid():
        reading = dict(form.cleaned_data)
        reading["measured_at"] = reading["measured_at"] or timezone.now()
        try:
            services.record_vitals(
                session=session, actor=request.user, readings=[reading], request=request
            )
        except DomainError as error:
            errors_to_form(form, error)
        else:
            form, status = forms.VitalsForm(), 200
    session.refresh_from_db()
    if request.htmx:
        return render_panels(request, session, status, focus_vitals=status == 200, vitals=form)
    if status == 200:
        return redirect(DETAIL, session_id=session.public_id)
    context = session_context(request, session, vitals=form)
    return render(request, PAGE, context, status=status)


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
    if request.htmx:
        return render_panels(request, session)
    return redirect(DETAIL, session_id=session.public_id)


@clinic_required(Capability.RUN_SESSION)
@require_POST
def adverse_event(request, session_id):
    session = access_session(request.membership, session_id, Capability.RUN_SESSION)
    form = forms.AdverseEventForm(request.POST)
    if not form.is_valid():
        return invalid(request, session, adverse_event=form)
    return run(
        request,
        session,
        lambda: services.record_adverse_event(
            session=session, actor=request.user, request=request, **form.cleaned_data
        ),
        "Adverse event recorded.",
        form,
        "adverse_event",
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
    return run(
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
