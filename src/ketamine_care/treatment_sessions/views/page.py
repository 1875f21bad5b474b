"""The session page: everything it shows, and how a step re-renders it or redirects back."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.core.errors import DomainError
from ketamine_care.core.labels import INSTRUMENT, label
from ketamine_care.core.templatetags.clinic_time import clinic_clock
from ketamine_care.inventory.queries import lots_for_dose, witnesses_for
from ketamine_care.treatment_sessions import forms, queries, states
from ketamine_care.treatment_sessions.access import access_session
from ketamine_care.treatment_sessions.models import (
    AdverseEventType,
    DischargeAssessment,
    PreSessionChecks,
)
from ketamine_care.treatment_sessions.monitoring import definition_for
from ketamine_care.treatment_sessions.readings import SYMPTOMS
from ketamine_care.treatment_sessions.services.closing import (
    discharge_instructions,
    recovery_requirement,
)
from ketamine_care.treatment_sessions.services.notes import note_preview
from ketamine_care.treatment_sessions.services.prechecks import pre_check_results
from ketamine_care.treatment_sessions.services.readiness import discharge_status, latest_score
from ketamine_care.treatment_sessions.services.session_dose import calculated_dose_mg
from ketamine_care.treatment_sessions.views.header import header_context

DETAIL = "treatment_sessions:detail"
PAGE = "treatment_sessions/session.html"
# An HTMX save answers with the vitals panel and every other panel out of band.
PANELS = "treatment_sessions/_panels.html"


def errors_to_form(form, error: DomainError) -> None:
    aliases = getattr(form, "error_fields", {})
    for field, message in error.fields.items():
        name = field.rsplit(".", 1)[-1]
        name = aliases.get(name, name)
        form.add_error(name if name in form.fields else None, message)
    if not error.fields:
        form.add_error(None, error.message)


def session_context(request, session, **bound) -> dict:
    membership = request.membership
    readings = queries.readings_with_minutes(session)
    alerts = list(session.alerts.select_related("acknowledged_by"))
    can = {c.value: has_capability(membership, c) for c in Capability}
    # The next lifecycle step offered as a button; signing has its own form.
    following = [s for s in states.TRANSITIONS[session.state] if s in states.LIFECYCLE]
    next_state = following[0] if following and following[0] != states.SIGNED else None
    bp_times = [r["measured_at"] for r in readings if r["bp_systolic_mmhg"] is not None]
    is_final = session.state in states.FINAL
    pre_checks = pre_check_results(session) if not is_final else []
    return {
        "session": session,
        "patient": session.patient,
        **header_context(membership, session.patient),
        "readings": readings,
        "alerts": alerts,
        "open_alert_count": sum(1 for a in alerts if a.is_open),
        "pre_checks": pre_checks,
        # Once dosing has started the checks are history: folded, with a one-line summary.
        "checks_folded": session.dosing_at is not None,
        "pre_checks_summary": _checks_summary(pre_checks),
        "discharge": discharge_status(session, rows=None, alerts=alerts)
        if session.dose_started_at
        else None,
        "recovery": _recovery(session),
        "dose": session.doses.select_related("given_by", "checked_by").first(),
        "adverse_events": list(session.adverse_events.all()),
        "amendments": list(session.amendments.select_related("created_by")),
        "next_state": next_state,
        "next_action": states.ACTIONS.get(next_state, ""),
        "show_clock": session.state in states.CLOCK_RUNNING and session.dose_started_at,
        "minute_now": session.minute_of(timezone.now()),
        "takes_vitals": can[Capability.RUN_SESSION]
        and not is_final
        and session.state != states.SCHEDULED,
        # Before dosing, an open urgent alert holds the dose (start_dosing refuses).
        "dose_hold": [a for a in alerts if a.tier == "urgent" and a.is_open]
        if session.state in (states.CHECKED_IN, states.PRE_ASSESSMENT)
        else [],
        "bp_due": queries.bp_due(session, bp_times),
        "no_interval": queries.no_recording_interval(session),
        "symptom_labels": SYMPTOMS,
        "can": can,
        "is_final": is_final,
        "forms": _forms(request, session, bound),
        "instructions": discharge_instructions(),
        "assessment": _assessment(session),
        "note_preview": note_preview(session)
        if session.state == states.DISCHARGED and can[Capability.SIGN_SESSION]
        else None,
        "amend_targets": _amend_targets(session, readings),
        "ae_types": AdverseEventType.choices,
    }


def dose_form(request, session, data=None) -> forms.DoseForm:
    """The dose form of `session`: prefilled with the calculated dose and the time now, its
    lots those of the protocol's drug that can give that dose, its checkers the clinic's other
    clinicians."""
    calculated = calculated_dose_mg(session)
    admin = definition_for(session.protocol_version).administration_for(session.route)
    initial = {"dose_mg": calculated}
    if not admin.device_mg:
        initial["infusion_started_at"] = timezone.localtime().replace(second=0, microsecond=0)
    return forms.DoseForm(
        data,
        initial=initial,
        lots=lots_for_dose(session.clinic, drug=session.drug, dose_mg=calculated),
        checkers=witnesses_for(session.clinic, request.user),
        devices=bool(admin.device_mg),
    )


def pre_checks_form(session, data=None) -> forms.PreChecksForm:
    """The pre-session checks form of `session`: its weight basis shows the one chosen today
    (a save keeps it unless changed), and a fixed-mg protocol has none to choose."""
    rule = definition_for(session.protocol_version).dose_rule(session.route)
    initial = {}
    if data is None and session.state in (states.CHECKED_IN, states.PRE_ASSESSMENT):
        initial["weight_basis"] = _chosen_basis(session)
    return forms.PreChecksForm(data, initial=initial, weight_based=rule.basis == "mg_per_kg")


def _chosen_basis(session) -> str:
    """The weight basis chosen today ("" if none); the row is cached on the session, where
    the page reads its calculated dose, so it is read once."""
    try:
        checks = session.pre_checks
    except PreSessionChecks.DoesNotExist:
        return ""
    return checks.calculated_dose.get("weight_basis_chosen") or ""


def _forms(request, session, bound: dict) -> dict:
    return {
        "pre_checks": bound.get("pre_checks") or pre_checks_form(session),
        "dose": bound.get("dose") or dose_form(request, session),
        "vitals": bound.get("vitals") or forms.VitalsForm(),
        "adverse_event": bound.get("adverse_event") or forms.AdverseEventForm(),
        "discharge": bound.get("discharge")
        or forms.DischargeForm(instructions=discharge_instructions()),
        "sign": bound.get("sign") or forms.SignForm(),
        "amend": bound.get("amend") or forms.AmendForm(),
    }


def _checks_summary(checks) -> str:
    blocking = sum(1 for c in checks if c.blocks_dosing)
    overridden = sum(1 for c in checks if c.status == "overridden")
    parts = [f"{len(checks)} checks"]
    if overridden:
        parts.append(f"{overridden} overridden")
    if blocking:
        parts.append(f"{blocking} not met")
    return ", ".join(parts)


def _recovery(session) -> dict | None:
    """The recovery score the protocol asks for (Aldrete or PADSS) and the latest total."""
    rule = recovery_requirement(session)
    if rule is None:
        return None
    return {
        "instrument": rule.instrument,
        "name": label(INSTRUMENT, rule.instrument),
        "pass_mark": rule.min_total,
        "score": latest_score(session, rule.instrument),
    }


def _assessment(session) -> dict:
    row = DischargeAssessment.objects.filter(session=session).select_related("recorded_by")
    row = row.first()
    words = {item["key"]: item["label"] for item in discharge_instructions()}
    return {
        "row": row,
        "instructions": [words.get(key, key) for key in (row.instructions if row else [])],
    }


def _amend_targets(session, readings) -> list[tuple[str, str]]:
    targets = [("note", "The note")]
    targets += [
        (f"reading:{r['public_id']}", f"Reading at {clinic_clock(r['measured_at'])}")
        for r in readings
    ]
    targets += [(f"dose:{d.public_id}", d.summary_line()) for d in session.doses.all()]
    targets += [
        (f"adverse_event:{e.public_id}", e.summary_line()) for e in session.adverse_events.all()
    ]
    return targets


@clinic_required(Capability.VIEW_SESSIONS)
def detail(request, session_id):
    session = access_session(request.membership, session_id)
    template = PAGE
    if request.htmx and request.htmx.target == "vitals":
        template = PANELS
    queries.record_session_view(session=session, actor=request.user, request=request)
    return render(request, template, session_context(request, session))


def invalid(request, session, **bound):
    """The page again with the refused form bound (422)."""
    return render(request, PAGE, session_context(request, session, **bound), status=422)


def run(request, session, call, success: str, form=None, form_name: str = ""):
    """Call one service; on a domain error show it (on the form when there is one)."""
    try:
        call()
    except DomainError as error:
        if form is not None:
            errors_to_form(form, error)
            context = session_context(request, session, **{form_name: form})
            session.refresh_from_db()
            return render(request, PAGE, context, status=422)
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect(DETAIL, session_id=session.public_id)


def render_panels(request, session, status: int = 200, *, focus_vitals: bool = False, **bound):
    """The panels an HTMX save changes: vitals, alerts, checks, readiness and the next step
    (a dose hold raised or lifted), swapped together. After a saved reading the first vitals
    field takes the focus again (htmx focuses an `autofocus` element it swaps in)."""
    context = session_context(request, session, **bound)
    if focus_vitals:
        # The first field shown (the form declares the time first, the page shows it last).
        context["forms"]["vitals"].fields["bp_systolic_mmhg"].widget.attrs["autofocus"] = True
    return render(request, PANELS, context, status=status)
