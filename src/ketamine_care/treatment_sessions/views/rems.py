"""REMS monitoring form screens: fill, print, record submission, due list, CSV export (made
by a background job: `services/rems_export.py`)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability
from ketamine_care.core.clock import clinic_today
from ketamine_care.core.errors import DomainError
from ketamine_care.treatment_sessions import forms, queries
from ketamine_care.treatment_sessions.access import access_session
from ketamine_care.treatment_sessions.models import RemsMonitoringForm
from ketamine_care.treatment_sessions.services import rems
from ketamine_care.treatment_sessions.services import rems_export as rems_export_service


def _fields(values: dict) -> list[dict]:
    return [
        {"name": name, "label": label, "value": values.get(name, ""), "yes_no": _yes_no(name)}
        for name, label in rems.FIELDS.items()
    ]


def _yes_no(name: str) -> bool:
    return name.startswith(("concomitant_", "vitals_")) or name in rems.BOOL_FIELDS


@clinic_required(Capability.MANAGE_REMS)
@require_http_methods(["GET", "POST"])
def rems_form(request, session_id):
    session = access_session(request.membership, session_id, Capability.MANAGE_REMS)
    status = 200
    errors: dict = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in rems.FIELDS}
        try:
            rems.save_rems_form(session=session, actor=request.user, values=values, request=request)
        except DomainError as error:
            errors, status = error.fields or {"": error.message}, 422
        else:
            messages.success(request, "REMS monitoring form saved.")
            return redirect("treatment_sessions:detail", session_id=session.public_id)
    values = rems.form_values(session) if session.drug == "esketamine" else {}
    if request.method == "GET":
        queries.record_session_view(
            session=session, actor=request.user, request=request, part="rems_form"
        )
    return render(
        request,
        "treatment_sessions/rems_form.html",
        {
            "session": session,
            "fields": _fields(values),
            "missing": rems.missing_fields(values),
            "errors": errors,
            "form": RemsMonitoringForm.objects.filter(session=session).first(),
            "submit_form": forms.RemsSubmitForm(),
        },
        status=status,
    )


@clinic_required(Capability.VIEW_SESSIONS)
def rems_print(request, session_id):
    session = access_session(request.membership, session_id)
    values = rems.form_values(session)
    rems.record_printed(session=session, actor=request.user, request=request)
    return render(
        request,
        "treatment_sessions/rems_print.html",
        {"session": session, "fields": _fields(values), "missing": rems.missing_fields(values)},
    )


@clinic_required(Capability.MANAGE_REMS)
@require_POST
def rems_submit(request, session_id):
    session = access_session(request.membership, session_id, Capability.MANAGE_REMS)
    form = forms.RemsSubmitForm(request.POST)
    if form.is_valid():
        try:
            rems.record_submission(
                session=session,
                actor=request.user,
                method=form.cleaned_data["method"],
                reference=form.cleaned_data["reference"],
                request=request,
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Submission recorded.")
    else:
        messages.error(request, "Choose how the form was submitted.")
    return redirect("treatment_sessions:rems_form", session_id=session.public_id)


@clinic_required(Capability.VIEW_SESSIONS)
def rems_due(request):
    today = clinic_today(request.membership.clinic)
    rows = queries.rems_due(request.membership.clinic, today)
    queries.record_sessions_listed(
        clinic=request.membership.clinic,
        sessions=[row["session"] for row in rows],
        actor=request.user,
        request=request,
        part="rems_due",
    )
    form = forms.DateRangeForm(initial={"start": today - timedelta(days=30), "end": today})
    return render(
        request, "treatment_sessions/rems_due.html", {"rows": rows, "today": today, "form": form}
    )


@clinic_required(Capability.VIEW_SESSIONS)
@require_POST
def rems_export(request):
    """Queue the CSV (a background job) and show its page, which offers the download."""
    form = forms.DateRangeForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Give start and end dates (YYYY-MM-DD).", status=400)
    export = rems_export_service.request_rems_export(
        clinic=request.membership.clinic,
        actor=request.user,
        start=form.cleaned_data["start"],
        end=form.cleaned_data["end"],
        request=request,
    )
    return redirect("accounts:export", export_id=export.public_id)
