"""Screening facts gathered from a patient's record, and the workup's answers merged in.

What the record says is used as is: age from the date of birth, sex (female/male only; other
values stay unknown), the latest weight and height, diagnoses mapped through
`data/icd10_map.json` where the code is unambiguous, and current medications with their class.
Everything else (history, pregnancy, blood pressure, failed trials, diazepam equivalents) is
unknown until the prescriber answers it in the workup: unknown facts reach the evaluator as
missing, never as "no".
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from ketamine_care.patients.models import DiagnosisStatus, latest_body_metrics

_MAP_FILE = Path(__file__).parent / "data" / "icd10_map.json"


@cache
def _icd10_map() -> dict[str, Any]:
    return json.loads(_MAP_FILE.read_text(encoding="utf-8"))


def words_for_code(code: str, clinical_status: str = DiagnosisStatus.ACTIVE) -> list[str]:
    """Screening diagnosis words for an ICD-10-CM code (longest prefix wins; [] if ambiguous).

    Resolved diagnoses give no words; `active_only` words (current mania, delirium) come only
    from active ones. Psychotic disorders in remission still count: they stay contraindications.
    """
    if clinical_status == DiagnosisStatus.RESOLVED:
        return []
    data = _icd10_map()
    code = code.strip().upper()
    prefix = max((p for p in data["prefixes"] if code.startswith(p)), key=len, default=None)
    words = data["prefixes"].get(prefix, []) if prefix else []
    if clinical_status != DiagnosisStatus.ACTIVE:
        words = [w for w in words if w not in data["active_only"]]
    return list(words)


def facts_from_record(patient, today) -> dict[str, Any]:
    """The facts the record can answer, in the `ketamine-care screen --facts` vocabulary."""
    metrics = latest_body_metrics(patient)
    diagnoses: list[str] = []
    for row in patient.diagnoses.active():
        for word in words_for_code(row.icd10_code, row.clinical_status):
            if word not in diagnoses:
                diagnoses.append(word)
    facts: dict[str, Any] = {
        "age_years": float(patient.age_on(today)),
        "diagnoses": diagnoses,
        "medications": [
            {"name": m.name, "class": m.drug_class} for m in patient.medications.active()
        ],
    }
    if patient.sex in ("female", "male"):
        facts["sex"] = patient.sex
    if metrics["weight_kg"] is not None:
        facts["weight_kg"] = float(metrics["weight_kg"])
    if metrics["height_cm"] is not None:
        facts["height_cm"] = float(metrics["height_cm"])
    return facts


def merge_answers(record: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """The record's facts with the workup's answers: answered scalars win; diagnoses add to
    the record's; `medication_dze` ({medication name: diazepam-equivalent mg/day}) fills in
    benzodiazepine equivalents."""
    facts = dict(record)
    extra_dx = answers.get("diagnoses") or []
    facts["diagnoses"] = sorted({*record.get("diagnoses", []), *extra_dx})
    dze = answers.get("medication_dze") or {}
    facts["medications"] = [
        {**med, "diazepam_equivalent_mg": dze[med["name"]]} if med["name"] in dze else med
        for med in record.get("medications", [])
    ]
    for key, value in answers.items():
        if key in ("diagnoses", "medication_dze") or value is None:
            continue
        facts[key] = value
    return facts
