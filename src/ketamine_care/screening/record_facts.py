"""Screening facts gathered from a patient's record, and the workup's answers merged in.

What the record says is used as is: age from the date of birth, sex (female/male only; other
values stay unknown), the latest weight and height, diagnoses mapped through
`data/icd10_map.json` (see `icd10`), current medications with their class, and the suicide risk
of the latest C-SSRS screener if it is recent (`suicide_risk.json`). A chapter F code the map
cannot classify goes to `icd10_codes`, where screening reports it as missing information until
the prescriber classifies it in the workup. Everything else (history, pregnancy, blood
pressure, failed trials, inpatient care) is unknown until the prescriber answers it: unknown
facts reach the evaluator as missing, never as "no".
"""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from django.utils import timezone

from ketamine_care.instruments.models import Administration
from ketamine_care.patients.models import DiagnosisStatus, latest_body_metrics
from ketamine_care.screening import icd10
from ketamine_care.screening.vocabulary import SUICIDE_RISKS

_SUICIDE_RISK_FILE = Path(__file__).parent / "data" / "suicide_risk.json"


@cache
def suicide_risk_settings() -> dict[str, Any]:
    return json.loads(_SUICIDE_RISK_FILE.read_text(encoding="utf-8"))


def words_for_code(code: str, clinical_status: str = DiagnosisStatus.ACTIVE) -> list[str]:
    """Screening diagnosis words for an ICD-10-CM code and status (see `icd10.words_for`)."""
    return list(icd10.words_for(code, clinical_status).words)


def latest_cssrs(patient, now=None) -> Administration | None:
    """The recent C-SSRS screener with the highest risk (the newest of those at that risk),
    or None when the record has none recent enough to screen with.

    The highest, not the newest: a "since last visit" screener with every answer "no" does not
    cancel a high risk found days before within the window (§12.6, §0.4).
    """
    settings = suicide_risk_settings()
    now = now or timezone.now()
    since = now - timedelta(days=settings["cssrs_recent_days"])
    recent = (
        Administration.objects.active()
        .filter(
            patient=patient,
            instrument_code=settings["instrument_code"],
            administered_at__gte=since,
            administered_at__lte=now,
        )
        .exclude(risk="")
        .order_by("-administered_at", "-id")
    )
    order = {risk: rank for rank, risk in enumerate(SUICIDE_RISKS)}
    # max() keeps the first of equals: the newest screener at the highest risk.
    return max(recent, key=lambda row: order.get(row.risk, -1), default=None)


def _diagnoses(patient) -> tuple[list[str], list[str]]:
    words: list[str] = []
    unclassified: list[str] = []
    for row in patient.diagnoses.active():
        found = icd10.words_for(row.icd10_code, row.clinical_status)
        if not found.classified and found.code not in unclassified:
            unclassified.append(found.code)
        words.extend(w for w in found.words if w not in words)
    return words, unclassified


def facts_from_record(patient, today) -> dict[str, Any]:
    """The facts the record can answer, in the `ketamine-care screen --facts` vocabulary."""
    metrics = latest_body_metrics(patient)
    diagnoses, unclassified = _diagnoses(patient)
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
    if unclassified:
        facts["icd10_codes"] = unclassified
    cssrs = latest_cssrs(patient)
    if cssrs is not None and cssrs.risk in SUICIDE_RISKS:
        facts["suicide_risk"] = cssrs.risk
    return facts


_RISK_RANK = {risk: rank for rank, risk in enumerate(SUICIDE_RISKS)}
_MERGED = ("diagnoses", "medication_dze", "medication_daily_dose", "classify", "suicide_risk")


def _medications(record: dict[str, Any], answers: dict[str, Any]) -> list[dict[str, Any]]:
    dze = answers.get("medication_dze") or {}
    daily = answers.get("medication_daily_dose") or {}
    meds = []
    for med in record.get("medications", []):
        med = dict(med)
        if med["name"] in daily:
            med["daily_dose_mg"] = daily[med["name"]]
        if med["name"] in dze:
            med["diazepam_equivalent_mg"] = dze[med["name"]]
        meds.append(med)
    return meds


def _classified(record: dict[str, Any], answers: dict[str, Any]) -> tuple[list[str], list[str]]:
    """`classify` ({code: word, or "" for "no screening word applies"}) settles codes the map
    could not; a code left unanswered stays unclassified."""
    classify = answers.get("classify") or {}
    words = [w for code, w in classify.items() if w]
    remaining = [c for c in record.get("icd10_codes", []) if c not in classify]
    return words, remaining


def merge_answers(record: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """The record's facts with the workup's answers: answered scalars win; diagnoses and
    classified codes add to the record's; `medication_daily_dose` and `medication_dze`
    ({medication name: mg/day}) fill in doses; the stricter of the record's and the answered
    suicide risk counts (a recent C-SSRS is never lowered by a form)."""
    facts = dict(record)
    classified, remaining = _classified(record, answers)
    extra_dx = [*(answers.get("diagnoses") or []), *classified]
    facts["diagnoses"] = sorted({*record.get("diagnoses", []), *extra_dx})
    facts.pop("icd10_codes", None)
    if remaining:
        facts["icd10_codes"] = remaining
    facts["medications"] = _medications(record, answers)
    risks = [r for r in (record.get("suicide_risk"), answers.get("suicide_risk")) if r]
    if risks:
        facts["suicide_risk"] = max(risks, key=_RISK_RANK.__getitem__)
    for key, value in answers.items():
        if key in _MERGED or value is None:
            continue
        facts[key] = value
    return facts


def overlay(
    record: dict[str, Any], given: dict[str, Any], classify: dict[str, str]
) -> dict[str, Any]:
    """Facts given through the API laid over the record's: given keys win, except that the
    record's unclassified codes stay until `classify` settles them and a recent C-SSRS risk is
    never lowered (the stricter risk counts)."""
    facts = {**record, **given}
    codes = [*record.get("icd10_codes", []), *(given.get("icd10_codes") or [])]
    remaining = [c for c in dict.fromkeys(codes) if c.strip().upper() not in classify]
    facts.pop("icd10_codes", None)
    if remaining or given.get("icd10_codes") is not None:
        facts["icd10_codes"] = remaining
    words = [w for w in classify.values() if w]
    if words:
        facts["diagnoses"] = sorted({*(facts.get("diagnoses") or []), *words})
    risks = [r for r in (record.get("suicide_risk"), given.get("suicide_risk")) if r]
    if all(r in _RISK_RANK for r in risks) and risks:
        facts["suicide_risk"] = max(risks, key=_RISK_RANK.__getitem__)
    return facts
