"""Patient screens. Thin: parse, authorize, call one service or query, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.core.clock import clinic_today
from ketamine_care.core.errors import DomainError
from ketamine_care.patients import forms, services
from ketamine_care.patients.access import access_patient, access_patient_child
from ketamine_care.patients.models import Allergy, BodyMeasurement, Diagnosis, Medication
from ketamine_care.patients.queries import (
    chart_context,
    near_duplicates,
    record_patients_searched,
    suggest_mrn,
)
from ketamine_care.patients.search import TOO_SHORT_MESSAGE, search_page
from ketamine_care.patients.search_cursor import BadCursor

PAGE_SIZE = 25

# kind in the URL -> (model, form, service, section template partial)
CHART_ENTRIES = {
    "diagnoses": (Diagnosis, forms.DiagnosisForm, services.add_diagnosis),
    "allergies": (Allergy, forms.AllergyForm, services.add_allergy),
    "medications": (Medication, forms.MedicationForm, services.add_medication),
    "measurements": (BodyMeasurement, forms.MeasurementForm, services.record_measurement),
}


def _apply_errors(form, error: DomainError) -> None:
    for field, message in error.fields.items():
        form.add_error(field if field in form.fields else None, message)
    if not error.fields:
        form.add_error(None, error.message)


@clinic_required(Capability.VIEW_PATIENT)
def patient_list(request):
    query = request.GET.get("q", "")[:200]
    cursor = request.GET.get("cursor", "")[:64]
    clinic, status, cursor_error = request.membership.clinic, 200, ""
    try:
        page = search_page(clinic, query, cursor=cursor, limit=PAGE_SIZE)
    except BadCursor as error:
        # An old or edited link: say so, and show the first page of the same search.
        status, cursor_error, cursor = 400, error.message, ""
        page = search_page(clinic, query, limit=PAGE_SIZE)
    record_patients_searched(
        clinic=clinic, patients=page.patients, query=query, actor=request.user, request=request
    )
    template = "patients/list.html"
    if request.htmx and request.htmx.target == "patient-results":
        template += "#results"
    context = {
        "page": page,
        "query": query,
        "cursor": cursor,
        "cursor_error": cursor_error,
        "too_short_message": TOO_SHORT_MESSAGE,
    }
    return render(request, template, context, status=status)


@clinic_required(Capability.REGISTER_PATIENT)
@require_http_methods(["GET", "POST"])
def patient_register(request):
    clinic = request.membership.clinic
    form = forms.PatientForm(request.POST or None, initial={"mrn": suggest_mrn(clinic)})
    duplicates = []
    if request.method == "POST" and form.is_valid():
        data = form.demographics()
        duplicates = near_duplicates(clinic, given_name=data["given_name"],
                                     family_name=data["family_name"],
                                     date_of_birth=data["date_of_birth"])  # fmt: skip
        if duplicates and not form.cleaned_data["confirm_not_duplicate"]:
            form.add_error(None, DUPLICATE_MESSAGE)
            # The page names the registered patients (a read of their records).
            record_patients_searched(clinic=clinic, patients=duplicates, actor=request.user,
                                     query=f"{data['given_name']} {data['family_name']}",
                                     request=request)  # fmt: skip
        else:
            try:
                patient = services.register_patient(
                    clinic=clinic, actor=request.user, request=request, **data
                )
            except DomainError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, f"{patient.full_name} is registered.")
                return redirect("patients:chart", patient_id=patient.public_id)
    status = 422 if form.errors else 200
    context = {"form": form, "mode": "register", "duplicates": duplicates}
    return render(request, "patients/form.html", context, status=status)


DUPLICATE_MESSAGE = (
    "A patient with this name and date of birth is already registered. Open that chart, or "
    "confirm below that this is a different person."
)


@clinic_required(Capability.VIEW_PATIENT)
def patient_chart(request, patient_id):
    patient = access_patient(request.membership, patient_id)
    clinical = has_capability(request.membership, Capability.VIEW_CLINICAL_HISTORY)
    services.record_chart_view(patient=patient, actor=request.user, request=request,
                               part="chart" if clinical else "demographics")  # fmt: skip
    return render(request, "patients/chart.html", _chart_page(request, patient))


def _chart_page(request, patient, bound_forms=None) -> dict:
    can_edit = has_capability(request.membership, Capability.EDIT_CLINICAL) and patient.is_active
    clinical = has_capability(request.membership, Capability.VIEW_CLINICAL_HISTORY)
    entry_forms = {kind: form_class() for kind, (_, form_class, _) in CHART_ENTRIES.items()}
    entry_forms.update(bound_forms or {})
    return {
        "patient": patient,
        "can_edit": can_edit,
        "forms": entry_forms,
        "age": patient.age_years_on(clinic_today(patient.clinic)),
        # Front desk get the demographics header only: no diagnoses, medications, allergies
        # or measurements are even loaded for them.
        "clinical_visible": clinical,
        **(chart_context(patient) if clinical else {}),
        # The sections of apps above this one (measures, treatment) are registered with
        # `core.sections` and rendered by the full page only, not by section refreshes.
    }


@clinic_required(Capability.EDIT_DEMOGRAPHICS)
@require_http_methods(["GET", "POST"])
def patient_edit(request, patient_id):
    patient = access_patient(request.membership, patient_id, Capability.EDIT_DEMOGRAPHICS)
    initial = {f: getattr(patient, f) for f in services.DEMOGRAPHIC_FIELDS}
    form = forms.PatientForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_demographics(
                patient=patient, actor=request.user, request=request, **form.demographics()
            )
        except DomainError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Demographics saved.")
            return redirect("patients:chart", patient_id=patient.public_id)
    if request.method == "GET":
        services.record_chart_view(patient=patient, actor=request.user, request=request,
                                   part="demographics_form")  # fmt: skip
    status = 422 if form.errors else 200
    return render(
        request,
        "patients/form.html",
        {"form": form, "mode": "edit", "patient": patient},
        status=status,
    )


@clinic_required(Capability.MARK_ENTERED_IN_ERROR)
@require_http_methods(["GET", "POST"])
def patient_entered_in_error(request, patient_id):
    patient = access_patient(request.membership, patient_id, Capability.MARK_ENTERED_IN_ERROR)
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.mark_patient_entered_in_error(
                patient=patient,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except DomainError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "The record is marked as entered in error.")
            return redirect("patients:list")
    if request.method == "GET":
        services.record_chart_view(patient=patient, actor=request.user, request=request,
                                   part="entered_in_error_form")  # fmt: skip
    return render(request, "patients/entered_in_error.html", {"form": form, "patient": patient})


@clinic_required(Capability.EDIT_CLINICAL)
@require_POST
def add_chart_entry(request, patient_id, kind: str):
    if kind not in CHART_ENTRIES:
        raise Http404
    patient = access_patient(request.membership, patient_id, Capability.EDIT_CLINICAL)
    _, form_class, create = CHART_ENTRIES[kind]
    form = form_class(request.POST)
    if form.is_valid():
        try:
            create(patient=patient, actor=request.user, request=request, **form.cleaned_data)
        except DomainError as error:
            _apply_errors(form, error)
        else:
            if not request.htmx:
                messages.success(request, "Saved.")
                return redirect("patients:chart", patient_id=patient.public_id)
            form = form_class()
    return _render_section(request, patient, kind, form)


@clinic_required(Capability.EDIT_CLINICAL)
@require_POST
def record_no_known_drug_allergies(request, patient_id):
    patient = access_patient(request.membership, patient_id, Capability.EDIT_CLINICAL)
    form = forms.AllergyForm()
    try:
        services.record_no_known_drug_allergies(
            patient=patient, actor=request.user, request=request
        )
    except DomainError as error:
        form.cleaned_data = {}  # an unbound form takes errors once it has cleaned data
        form.add_error(None, error.message)
    else:
        if not request.htmx:
            messages.success(request, "No known drug allergies recorded.")
            return redirect("patients:chart", patient_id=patient.public_id)
    return _render_section(request, patient, "allergies", form)


def _render_section(request, patient, kind: str, form):
    context = _chart_page(request, patient, {kind: form})
    status = 422 if form.errors else 200
    if request.htmx:
        return render(request, f"patients/chart.html#{kind}", context, status=status)
    return render(request, "patients/chart.html", context, status=status)


@clinic_required(Capability.EDIT_CLINICAL)
@require_POST
def chart_entry_entered_in_error(request, patient_id, kind: str, row_id):
    if kind not in CHART_ENTRIES:
        raise Http404
    patient = access_patient(request.membership, patient_id, Capability.EDIT_CLINICAL)
    model = CHART_ENTRIES[kind][0]
    row = access_patient_child(request.membership, model, patient, row_id, Capability.EDIT_CLINICAL)
    form = forms.ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.mark_child_entered_in_error(
                row=row, actor=request.user, request=request, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, "Give a reason to mark an entry as entered in error.")
    if request.htmx:
        context = _chart_page(request, patient)
        return render(request, f"patients/chart.html#{kind}", context)
    return redirect("patients:chart", patient_id=patient.public_id)
