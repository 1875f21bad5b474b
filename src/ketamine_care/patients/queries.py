"""Reads of patient data, always scoped to one clinic."""

from __future__ import annotations

import re
from datetime import date, datetime

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from ketamine_care.audit.services import record_read
from ketamine_care.patients.models import Patient

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y")


def parse_date_query(text: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def search_patients(clinic, query: str = "") -> QuerySet[Patient]:
    """Active patients of `clinic` matching every word of `query`.

    A word matches the start of the given name, the family name or the MRN, case-insensitively;
    a word that is a date matches the date of birth exactly. Prefix matching keeps the search
    on indexes, which is what makes search-as-you-type fast on 100,000 patients.
    """
    patients = Patient.objects.active().filter(clinic=clinic)
    words = [w for w in re.split(r"[\s,]+", (query or "").strip().lower())[:5] if w]
    for word in words:
        dob = parse_date_query(word)
        if dob:
            patients = patients.filter(date_of_birth=dob)
            continue
        patients = patients.filter(
            Q(family_name_search__startswith=word)
            | Q(given_name_search__startswith=word)
            | Q(mrn_search__startswith=word)
        )
    if not words:
        return patients.order_by("family_name_search", "given_name_search", "id")
    # With search words, sort by an expression no index provides: otherwise PostgreSQL walks
    # the family-name index in order and filters row by row until it has a page, which for
    # matches late in the alphabet reads most of the clinic. Filtering first, then a top-N
    # sort of the (few) matches, is fast whatever the words are.
    return patients.order_by(Lower("family_name"), "given_name_search", "id")


def chart_context(patient: Patient) -> dict:
    from ketamine_care.patients.models import latest_body_metrics

    allergies = list(patient.allergies.active())
    return {
        "diagnoses": list(patient.diagnoses.active()),
        "allergies": allergies,
        "allergy_status": allergy_status(patient, allergies),
        "medications": list(patient.medications.active()),
        "measurements": list(patient.measurements.active()[:10]),
        "metrics": latest_body_metrics(patient),
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


def allergy_status(patient: Patient, allergies: list) -> str:
    """ "listed" (allergies on the chart), "none_known" (a clinician recorded no known drug
    allergies) or "not_recorded" (nobody has asked: never shown as "none")."""
    if allergies:
        return "listed"
    return "none_known" if patient.nkda_recorded_at is not None else "not_recorded"


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
