"""Screening facts gathered from a patient's record, and the workup's answers merged in.

What the record says is used as is: age from the date of birth (in completed calendar
months over 12, as dosing counts it: `Patient.age_years_on`), sex (female/male only; other
values stay unknown), the latest weight and height, diagnoses mapped through
`data/icd10_map.json` (see `icd10`), current medications with their class, the suicide risk
of the latest C-SSRS screener if it is recent (`suicide_risk.json`), and a ketamine allergy as
the history word `ketamine_hypersensitivity` (an active allergy whose substance names ketamine
or esketamine, generic or brand: a label contraindication [@spravato-uspi §4]
[@ketalar-uspi §4]). A history list is complete, so with the history otherwise unasked the
list holds that word alone: every rule set makes it ineligible whatever else the history
holds (`label.hypersensitivity`). A chapter F code the map cannot classify goes to
`icd10_codes`, where screening reports it as missing information until the prescriber
classifies it in the workup. The chart's medication list is open (`medications_unreviewed`):
nobody confirmed it complete, so a medication class it does not list is unknown until the
prescriber ticks the medication review in the workup (or an API caller posts the current
medications). Everything else (history, pregnancy, blood pressure, failed
trials, inpatient care) is unknown until the prescriber answers it: unknown facts reach the
evaluator as missing, never as "no".
"""

from __future__ import annotations

import json
import math
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from django.utils import timezone

from ketamine_care.core.ages import completed_age_text
from ketamine_care.core.errors import ValidationFailed
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
    cancel a high risk found days before within the window [@posner-2011].
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


# Allergy substances naming ketamine or esketamine: generic names (a substring of
# "esketamine" too) and the brand names, compared in lower case.
KETAMINE_ALLERGY_NAMES = ("ketamine", "ketalar", "spravato")


def names_ketamine(substance: str) -> bool:
    """Whether an allergy's substance names ketamine or esketamine (case ignored)."""
    text = substance.lower()
    return any(name in text for name in KETAMINE_ALLERGY_NAMES)


def ketamine_allergies(patient) -> list:
    """The patient's active allergies whose substance names ketamine or esketamine."""
    return [a for a in patient.allergies.active() if names_ketamine(a.substance)]


def facts_from_record(patient, today) -> dict[str, Any]:
    """The facts the record can answer, in the `ketamine-care screen --facts` vocabulary."""
    metrics = latest_body_metrics(patient)
    diagnoses, unclassified = _diagnoses(patient)
    facts: dict[str, Any] = {
        # Completed months, not years: an infant of 3-11 months is not "under 3 months".
        "age_years": patient.age_years_on(today),
        "diagnoses": diagnoses,
        "medications": [
            {"name": m.name, "class": m.drug_class} for m in patient.medications.active()
        ],
        # An empty list on the chart is not "takes nothing": nobody confirmed it complete.
        "medications_unreviewed": True,
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
    if ketamine_allergies(patient):
        facts["history"] = ["ketamine_hypersensitivity"]
    return facts


_RISK_RANK = {risk: rank for rank, risk in enumerate(SUICIDE_RISKS)}
_DOSE_KEYS = ("daily_dose_mg", "diazepam_equivalent_mg")
_MERGED = (
    "diagnoses",
    "history",
    "medication_dze",
    "medication_daily_dose",
    "classify",
    "suicide_risk",
)


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
    """The record's facts with the workup's answers: answered scalars win; diagnoses,
    classified codes and the answered history add to the record's; `medication_daily_dose`
    and `medication_dze` ({medication name: mg/day}) fill in doses; the stricter of the
    record's and the answered suicide risk counts (a recent C-SSRS is never lowered by a
    form). `medications_unreviewed` answered false (the medication review ticked) closes the
    record's medication list; unanswered (None) leaves it open."""
    facts = dict(record)
    classified, remaining = _classified(record, answers)
    extra_dx = [*(answers.get("diagnoses") or []), *classified]
    facts["diagnoses"] = sorted({*record.get("diagnoses", []), *extra_dx})
    facts.pop("icd10_codes", None)
    if remaining:
        facts["icd10_codes"] = remaining
    facts["medications"] = _medications(record, answers)
    history = _union_words(record.get("history"), answers.get("history"))
    facts.pop("history", None)
    if history is not None:
        facts["history"] = history
    risks = [r for r in (record.get("suicide_risk"), answers.get("suicide_risk")) if r]
    if risks:
        facts["suicide_risk"] = max(risks, key=_RISK_RANK.__getitem__)
    for key, value in answers.items():
        if key in _MERGED or value is None:
            continue
        facts[key] = value
    return facts


def _age_contradiction(record_age: Any, given_age: Any) -> str:
    """Why an age given through the API contradicts the record's (from the date of birth, in
    completed months), or "": a given age counts when it lies within the year of age the
    patient is in (0.5 for a 7-month-old, 40 for 40 years and 3 months); the record's age is
    the one screened."""
    if record_age is None or isinstance(given_age, bool):
        return ""
    year = math.floor(record_age)
    if not isinstance(given_age, int | float) or year <= given_age < year + 1:
        return ""
    return (
        f"{given_age:g} contradicts the record's age {completed_age_text(record_age)} (from "
        "the date of birth); correct the date of birth on the chart, or leave age_years out"
    )


def record_contradictions(record: dict[str, Any], given: dict[str, Any]) -> dict[str, str]:
    """{field: message} for the given facts that contradict the record (age, sex)."""
    fields = {}
    age = _age_contradiction(record.get("age_years"), given.get("age_years"))
    if age:
        fields["age_years"] = age
    sex = given.get("sex")
    if record.get("sex") and sex is not None and sex != record["sex"]:
        fields["sex"] = (
            f"{sex!r} contradicts the record's sex {record['sex']!r}; correct the chart, "
            "or leave sex out"
        )
    return fields


def _same_medication(recorded: dict[str, Any], med: Any) -> bool:
    """A given medication names a recorded one: the same name (case and spacing ignored) and
    no other class."""
    if not isinstance(med, dict) or not isinstance(med.get("name"), str):
        return False
    same_name = " ".join(med["name"].lower().split()) == " ".join(recorded["name"].lower().split())
    return same_name and med.get("class") in (None, recorded.get("class"))


def _union_medications(record_meds: list[dict[str, Any]], given_meds: Any) -> Any:
    """The given medications (in their order, so that a refused entry keeps its index), a
    recorded one taking the doses a given entry of it adds, then the recorded medications
    none names: a given list never removes a recorded medication. A given value that is not
    a list is left for validation to refuse."""
    if given_meds is None:
        return list(record_meds)
    if not isinstance(given_meds, list):
        return given_meds
    meds, used = [], set()
    for given in given_meds:
        index = next(
            (i for i, r in enumerate(record_meds) if i not in used and _same_medication(r, given)),
            None,
        )
        if index is None:
            meds.append(given)
            continue
        used.add(index)
        meds.append(_with_doses(record_meds[index], given))
    return [*meds, *(r for i, r in enumerate(record_meds) if i not in used)]


def _with_doses(recorded: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """A recorded medication with the doses a given entry of it adds: a dose the record lacks,
    or the higher of the two (a lower dose posted never lowers the record's)."""
    merged = dict(recorded)
    for key in _DOSE_KEYS:
        value = given.get(key)
        if value is None:
            continue
        kept = recorded.get(key)
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (kept, value))
        merged[key] = max(kept, value) if numbers else (value if kept is None else kept)
    return merged


def _union_words(recorded: list[str] | None, given: Any, extra: list[str] = ()) -> Any:
    """The given words (in their order, so that a refused word keeps its index), then the
    record's and `extra` words not among them; a given value that is not a list is left for
    validation to refuse; unknown (None) when neither says anything."""
    if given is not None and not isinstance(given, list):
        return given
    if recorded is None and given is None and not extra:
        return None
    given = given or []
    added = [w for w in dict.fromkeys([*(recorded or []), *extra]) if w not in given]
    return [*given, *added]


UNCONFIRMED_LIST = (
    "false needs the current medications: post medications with them ([] when the chart's "
    "list is complete), or leave medications_unreviewed out"
)


def _medications_unreviewed(record: dict[str, Any], given: dict[str, Any]) -> Any:
    """Whether the medication list stays open: a given list is the caller's statement of the
    current medications and closes the record's; a given `medications_unreviewed` only opens
    it (a value that is not a boolean is left for validation to refuse)."""
    flag = given.get("medications_unreviewed")
    if flag is not None and not isinstance(flag, bool):
        return flag
    return bool(flag) or (
        bool(record.get("medications_unreviewed")) and given.get("medications") is None
    )


def overlay(
    record: dict[str, Any], given: dict[str, Any], classify: dict[str, str]
) -> dict[str, Any]:
    """Facts given through the API laid over the record's, never loosening it (HAZ-05,
    HAZ-07): given diagnoses, history and medications add to the record's (a given
    medication the record holds adds its doses); a given medication list closes the record's
    open one, and `medications_unreviewed` false without a list is refused
    (`facts.medications_unreviewed`: it would confirm a list nobody sent); an age or sex
    contradicting the record is refused (`ValidationFailed` naming `facts.age_years` /
    `facts.sex`); the record's unclassified codes stay until `classify` settles them; a
    recent C-SSRS risk is never lowered (the stricter risk counts). Other given facts (blood
    pressure, pregnancy...) are the answers the record does not hold."""
    refused = record_contradictions(record, given)
    if given.get("medications_unreviewed") is False and given.get("medications") is None:
        refused["medications_unreviewed"] = UNCONFIRMED_LIST
    if refused:
        raise ValidationFailed(
            "Some screening facts were refused; each field says why.",
            fields={f"facts.{field}": message for field, message in refused.items()},
        )
    facts = {**record, **given}
    for key in ("age_years", "sex"):
        if key in record:
            facts[key] = record[key]
    codes = [*record.get("icd10_codes", []), *(given.get("icd10_codes") or [])]
    remaining = [c for c in dict.fromkeys(codes) if c.strip().upper() not in classify]
    facts.pop("icd10_codes", None)
    if remaining or given.get("icd10_codes") is not None:
        facts["icd10_codes"] = remaining
    words = [w for w in classify.values() if w]
    diagnoses = _union_words(record.get("diagnoses"), given.get("diagnoses"), words)
    history = _union_words(record.get("history"), given.get("history"))
    for key, value in (("diagnoses", diagnoses), ("history", history)):
        facts.pop(key, None)
        if value is not None:
            facts[key] = value
    if "medications" in record or "medications" in given:
        facts["medications"] = _union_medications(
            record.get("medications", []), given.get("medications")
        )
    if "medications_unreviewed" in record or "medications_unreviewed" in given:
        facts["medications_unreviewed"] = _medications_unreviewed(record, given)
    risks = [r for r in (record.get("suicide_risk"), given.get("suicide_risk")) if r]
    if all(r in _RISK_RANK for r in risks) and risks:
        facts["suicide_risk"] = max(risks, key=_RISK_RANK.__getitem__)
    return facts
