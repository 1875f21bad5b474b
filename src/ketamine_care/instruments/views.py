"""Clinician entry of rating scales on the chart. Thin: authorize, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability
from ketamine_care.core import sections
from ketamine_care.core.errors import DomainError
from ketamine_care.instruments import services
from ketamine_care.instruments.definition import UnknownInstrument, load_definition
from ketamine_care.instruments.forms import (
    AdministrationForm,
    InstrumentPickForm,
    field_for_error,
)
from ketamine_care.instruments.models import Source
from ketamine_care.instruments.preview import preview
from ketamine_care.patients.access import access_patient
from ketamine_care.patients.services import record_chart_view

RECORD = Capability.RECORD_ADMINISTRATION


def _definition_or_none(code: str | None):
    try:
        return load_definition(code or "")
    except UnknownInstrument:
        return None


def _score_card(definition, form, patient) -> dict:
    # The patient's recorded sex picks a sex-dependent screen's cut-off (AUDIT-C).
    found = preview(definition, form.raw_answers(), sex=patient.sex)
    bands = {b.name: b.label for b in definition.banding.bands} if definition.banding else {}
    band = found.result.band if found.result else None
    screen = found.result.screen if found.result else None
    # A positive screen is a screening result shown with the score, not a safety flag.
    safety = [f for f in found.flags if screen is None or f != screen.flag]
    return {
        "preview": found,
        "definition": definition,
        "band_label": bands.get(band, ""),
        "screen": screen,
        "safety_flags": safety,
    }


def _entry_context(patient, definition, form) -> dict:
    context = {"patient": patient, "definition": definition, "form": form, "embedded": True}
    context["pick"] = InstrumentPickForm(initial={"instrument": getattr(definition, "code", "")})
    if definition is not None:
        context.update(_score_card(definition, form, patient))
    return context


@clinic_required(RECORD)
def entry_form(request, patient_id):
    patient = access_patient(request.membership, patient_id, RECORD)  # 404 before 405
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    definition = _definition_or_none(request.GET.get("instrument"))
    form = AdministrationForm(definition) if definition else None
    record_chart_view(patient=patient, actor=request.user, request=request, part="rating_entry")
    context = _entry_context(patient, definition, form)
    template = "instruments/entry.html"
    if request.htmx:
        template += "#entry-form"
    else:
        context["embedded"] = False
    return render(request, template, context)


@clinic_required(RECORD)
@require_POST
def preview_score(request, patient_id):
    patient = access_patient(request.membership, patient_id, RECORD)
    definition = _definition_or_none(request.POST.get("instrument"))
    if definition is None:
        return render(request, "instruments/score_card.html", {"definition": None})
    form = AdministrationForm(definition, request.POST)
    return render(request, "instruments/score_card.html", _score_card(definition, form, patient))


@clinic_required(RECORD)
@require_POST
def record(request, patient_id):
    patient = access_patient(request.membership, patient_id, RECORD)
    definition = _definition_or_none(request.POST.get("instrument"))
    form = AdministrationForm(definition, request.POST) if definition else None
    if form is not None and form.is_valid():
        try:
            administration = services.record_administration(
                patient=patient,
                instrument_code=definition.code,
                answers=form.answers(),
                time_point=form.cleaned_data["time_point"],
                follow_up_day=form.cleaned_data["follow_up_day"],
                administered_at=form.cleaned_data["administered_at"],
                source=Source.CLINICIAN,
                actor=request.user,
                request=request,
            )
        except DomainError as error:
            for name, message in error.fields.items():
                form.add_error(field_for_error(name) if name in _names(form) else None, message)
        else:
            return _saved(request, patient, administration, definition)
    return _invalid(request, patient, definition, form)


def _names(form) -> set[str]:
    return {n.removeprefix("item_") for n in form.fields} | set(form.fields)


def _saved(request, patient, administration, definition):
    note = f"{definition.name} saved"
    if administration.total is not None:
        note += f": total {administration.total}"
    if administration.raised_alerts:
        note += f"; {len(administration.raised_alerts)} safety alert(s) raised"
    if not request.htmx:
        messages.success(request, note + ".")
        return redirect("patients:chart", patient_id=patient.public_id)
    # The chart's measures section, refreshed: registered by the app that owns it (outcomes).
    measures = sections.section(sections.PATIENT_CHART, "measures")
    shown = sections.build(measures, request, patient) or {}
    context = {"patient": patient, "saved_note": note + ".", **shown}
    return render(request, measures.template, context)


def _invalid(request, patient, definition, form):
    if form is None:
        form_pick = InstrumentPickForm(request.POST)
        form_pick.is_valid()
    context = _entry_context(patient, definition, form)
    if form is None:
        context["pick"] = form_pick
    if not request.htmx:
        context["embedded"] = False
        return render(request, "instruments/entry.html", context, status=422)
    response = render(request, "instruments/entry.html#entry-form", context, status=422)
    return reswap(retarget(response, "#entry-form"), "outerHTML")
