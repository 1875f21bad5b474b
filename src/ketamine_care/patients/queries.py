"""Reads of patient data, always scoped to one clinic."""

from __future__ import annotations

import functools
import re

from django.db import router
from django.db.models import OuterRef, QuerySet, Subquery

from ketamine_care.audit.services import record_read
from ketamine_care.core.compiled import INT, CompiledQuery
from ketamine_care.patients.allergies import summarise_allergies
from ketamine_care.patients.models import (
    Allergy,
    Diagnosis,
    Medication,
    Patient,
    ResearchConsent,
    ResearchConsentStatus,
)
from ketamine_care.patients.search import search_patients

# Search lives in `search` (keyset pages, bounded counts); the name stays importable here.
__all__ = ["search_patients"]


def chart_sections(patient: Patient) -> dict:
    """What the chart API shows: the active diagnoses, allergies and medications, and the
    latest body metrics."""
    from ketamine_care.patients.models import latest_body_metrics

    return {
        "diagnoses": active_rows(patient, Diagnosis),
        "allergies": active_rows(patient, Allergy),
        "medications": active_rows(patient, Medication),
        "metrics": latest_body_metrics(patient),
    }


def active_rows(patient: Patient, model) -> list:
    """`list(patient.<rows>.active())` for diagnoses, allergies or medications: on every chart
    read, so from a query compiled once per connection, each row linked to `patient` as the
    related manager links it."""
    if type(patient.pk) is not int:
        return list(model.objects.filter(patient=patient).active())
    using = router.db_for_read(model, instance=patient)
    rows = _ACTIVE_ROWS[model].objects(model, using, patient_id=patient.pk)
    for row in rows:
        row.patient = patient
    return rows


def patient_rows(*, patient_id: int, model):
    """The query of `active_rows`: the related manager's, active rows in the model's order."""
    return model.objects.filter(patient_id=patient_id).active()


_ACTIVE_ROWS = {
    model: CompiledQuery(
        f"chart-{model._meta.model_name}",
        functools.partial(patient_rows, model=model),
        patient_id=INT,
    )
    for model in (Diagnosis, Allergy, Medication)
}


def chart_context(patient: Patient) -> dict:
    """The chart page: the API's sections, the allergy summary and the last measurements."""
    context = chart_sections(patient)
    nkda = patient.nkda_recorded_at is not None
    summary = summarise_allergies(context["allergies"], nkda_recorded=nkda)
    return {
        **context,
        "allergy_status": summary.status,
        "allergy_entries": summary.entries,
        "measurements": list(patient.measurements.active()[:10]),
    }


def near_duplicates(clinic, *, given_name: str, family_name: str, date_of_birth) -> list[Patient]:
    """Active patients of `clinic` with the same given and family name (ignoring case and
    surrounding spaces) and the same date of birth: probably the same person."""
    return list(
        Patient.objects.active()
        .filter(
            clinic=clinic,
            date_of_birth=date_of_birth,
            given_name_search=given_name.strip().lower(),
            family_name_search=family_name.strip().lower(),
        )
        .order_by("id")[:5]
    )


_TRAILING_NUMBER = re.compile(r"^(?P<prefix>.*?)(?P<number>\d+)$")


def suggest_mrn(clinic) -> str:
    """The next free MRN after the clinic's most recently registered one, in its pattern
    (MRN-00041 -> MRN-00042); "1" for a clinic's first patient. Only a suggestion: the
    registration checks uniqueness again."""
    latest = Patient.objects.filter(clinic=clinic).order_by("-created_at", "-id").first()
    match = _TRAILING_NUMBER.match(latest.mrn) if latest else None
    if match is None:
        prefix, number, width = "", Patient.objects.filter(clinic=clinic).count(), 1
    else:
        prefix, number = match["prefix"], int(match["number"])
        width = len(match["number"])
    for step in range(1, 50):
        candidate = f"{prefix}{number + step:0{width}d}"
        if (
            len(candidate) <= 32
            and not Patient.objects.filter(clinic=clinic, mrn_search=candidate.lower()).exists()
        ):
            return candidate
    return ""


def record_patients_searched(*, clinic, patients, query: str, actor, request=None) -> None:
    """Audit a page of search results: which patients were shown (the words only as a keyed
    digest, never stored)."""
    record_read(
        event_type="patients.searched",
        actor=actor,
        clinic=clinic,
        patients=patients,
        query=query,
        request=request,
    )


def _latest_consent(field: str) -> Subquery:
    rows = ResearchConsent.objects.filter(patient=OuterRef("pk")).order_by("-recorded_at", "-id")
    return Subquery(rows.values(field)[:1])


def research_consenting(clinic, *, consent_text_version: str = "") -> QuerySet[Patient]:
    """The clinic's active patients whose latest research-consent row says `given` (and, when
    a version is named, for that version of the consent text). A withdrawal, or no row at
    all, keeps a patient out."""
    patients = (
        Patient.objects.active()
        .filter(clinic=clinic)
        .annotate(research_consent_status=_latest_consent("status"))
        .filter(research_consent_status=ResearchConsentStatus.GIVEN)
    )
    if consent_text_version:
        patients = patients.annotate(
            research_consent_version=_latest_consent("consent_text_version")
        ).filter(research_consent_version=consent_text_version)
    return patients
