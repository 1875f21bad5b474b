"""Pieces every resource mapping uses: meta, references, codings."""

from __future__ import annotations

from ketamine_care.fhir.codes import project_system


def meta(row, field: str = "updated_at", profile: str | None = None) -> dict:
    data = {"lastUpdated": getattr(row, field)}
    if profile:
        data["profile"] = [profile]
    return data


def patient_ref(patient) -> dict:
    return {"reference": f"Patient/{patient.public_id}"}


def coding(system: str, code: str, display: str | None = None) -> dict:
    data = {"system": system, "code": code}
    if display:
        data["display"] = display
    return data


def project_coding(system_name: str, code: str, display: str | None = None) -> dict:
    return coding(project_system(system_name), code, display)
