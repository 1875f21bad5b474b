"""Pre-session checks: which are required for a session and which block dosing (pure).

The checks and their numbers (esketamine fasting: no food 2 h, no liquids 30 min,
[@spravato-uspi §2]; nasal decongestant or corticosteroid at least 1 h before esketamine
[@spravato-uspi §2]) are data in `data/pre_session_checks.json`. A required check that is not
met blocks dosing unless it is `overridable` and a prescriber overrode it with a reason.

Day-of-session answers (`day_of_session`) are what the nurse found today; None means the
questions were not asked, which blocks dosing like any other missing check. The pregnancy test
is required by default for anyone but a male patient; the clinic may switch it off with a
documented reason (`switched_off`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

_DATA = Path(__file__).parent / "data" / "pre_session_checks.json"

MET = "met"
MISSING = "missing"
FAILED = "failed"
OVERRIDDEN = "overridden"
NOT_REQUIRED = "not_required"


@cache
def check_specs() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(_DATA.read_text(encoding="utf-8"))["checks"])


def spec(key: str) -> dict[str, Any]:
    return next(s for s in check_specs() if s["key"] == key)


@dataclass(frozen=True)
class CheckResult:
    key: str
    label: str
    required: bool
    status: str
    message: str
    overridable: bool
    source: str

    @property
    def blocks_dosing(self) -> bool:
        return self.required and self.status in (MISSING, FAILED)


@dataclass(frozen=True)
class PreCheckFacts:
    """What the session knows. None means "not recorded yet"; times are timezone-aware."""

    drug: str
    dose_basis: str
    screening_valid: bool | None = None
    screening_message: str = ""
    weight_today: bool = False
    # The dose calculator does not choose the weight basis (BMI 30 or more) and none is chosen.
    weight_basis_needed: bool = False
    baseline_vitals: bool = False
    last_food_at: datetime | None = None
    last_liquids_at: datetime | None = None
    escort_confirmed: bool | None = None
    pregnancy_test: str = ""  # "", "negative", "positive", "not_applicable"
    consent_on_file: bool | None = None
    concomitant_recorded: bool = False
    overridden: frozenset[str] = frozenset()
    sex: str = ""
    # {"recent_alcohol_or_drugs", "intoxication_signs", "stimulant_or_cocaine": bool,
    #  "nasal_medication_at": datetime | None}; None until the questions are asked.
    day_of_session: dict[str, Any] | None = None
    switched_off: tuple[tuple[str, str], ...] = ()  # (check key, the clinic's reason)


def evaluate_pre_checks(facts: PreCheckFacts, now: datetime) -> list[CheckResult]:
    """Every check with its status at `now` (the intended dosing time)."""
    results = []
    switched_off = dict(facts.switched_off)
    for item in check_specs():
        required = _required(item, facts)
        status, message = _judge(item["key"], item, facts, now)
        if not required and status in (MISSING,):
            status, message = NOT_REQUIRED, "Not required for this session."
            if item["key"] in switched_off:
                message = f"Switched off by the clinic: {switched_off[item['key']]}"
        if required and status in (MISSING, FAILED) and item["key"] in facts.overridden:
            status, message = OVERRIDDEN, f"Overridden by a prescriber ({message})"
        results.append(
            CheckResult(
                key=item["key"],
                label=item["label"],
                required=required,
                status=status,
                message=message,
                overridable=bool(item["overridable"]),
                source=item["source"],
            )
        )
    return results


def blocking(results: list[CheckResult]) -> list[CheckResult]:
    return [r for r in results if r.blocks_dosing]


def _required(item: dict[str, Any], facts: PreCheckFacts) -> bool:
    if not item["required"]:
        return False
    if item.get("clinic_may_switch_off") and item["key"] in dict(facts.switched_off):
        return False
    if item.get("not_required_for_sex") and item["not_required_for_sex"] == facts.sex:
        return False
    if "only_for_drug" in item and item["only_for_drug"] != facts.drug:
        return False
    return not ("only_for_dose_basis" in item and item["only_for_dose_basis"] != facts.dose_basis)


def _judge(key: str, item: dict[str, Any], facts: PreCheckFacts, now: datetime) -> tuple[str, str]:
    if key == "screening_valid":
        if facts.screening_valid is None:
            return MISSING, facts.screening_message or "No screening verdict for this protocol."
        if not facts.screening_valid:
            return FAILED, facts.screening_message or "Re-screen the patient."
        return MET, "Screening verdict is current."
    if key == "fasting":
        return _fasting(item, facts, now)
    if key in _DAY_OF_SESSION:
        return _day_of_session(key, item, facts, now)
    if key == "weight_today" and facts.weight_today and facts.weight_basis_needed:
        return MISSING, (
            "Choose the weight the dose is calculated on (actual, ideal or adjusted body "
            "weight): at BMI 30 or more the calculator does not choose it."
        )
    if key == "pregnancy_test":
        if facts.pregnancy_test == "positive":
            return FAILED, "Positive pregnancy test."
        if facts.pregnancy_test in ("negative", "not_applicable"):
            return MET, facts.pregnancy_test.replace("_", " ").capitalize() + "."
        return MISSING, "No pregnancy test result recorded."
    simple = {
        "weight_today": (facts.weight_today, "Record today's weight."),
        "baseline_vitals": (
            facts.baseline_vitals,
            "Record a blood pressure (both systolic and diastolic) and a heart rate before "
            "dosing: discharge compares both with them.",
        ),
        "escort": (facts.escort_confirmed, "Confirm the escort and transport home."),
        "consent": (facts.consent_on_file, "Confirm consent is on file."),
        "concomitant_meds": (facts.concomitant_recorded, "Record medications taken today."),
    }
    value, missing = simple[key]
    if value is None or value is False:
        return MISSING, missing
    return MET, "Recorded."


def _fasting(item: dict[str, Any], facts: PreCheckFacts, now: datetime) -> tuple[str, str]:
    if facts.last_food_at is None or facts.last_liquids_at is None:
        return MISSING, "Record when the patient last ate and last drank."
    food_min = (now - facts.last_food_at).total_seconds() / 60
    liquid_min = (now - facts.last_liquids_at).total_seconds() / 60
    problems = []
    if food_min < item["no_food_min"]:
        problems.append(f"food {int(food_min)} min ago (needs {item['no_food_min']} min)")
    if liquid_min < item["no_liquids_min"]:
        problems.append(f"liquids {int(liquid_min)} min ago (needs {item['no_liquids_min']} min)")
    if problems:
        return FAILED, "Not fasted: " + "; ".join(problems) + "."
    return MET, "Fasting confirmed."


# check key -> (answer key, what a "yes" answer means)
_DAY_OF_SESSION = {
    "no_recent_alcohol_or_drugs": (
        "recent_alcohol_or_drugs",
        "Alcohol or non-prescribed drugs in the last {window_h} h: do not dose without the "
        "prescriber's decision.",
    ),
    "no_intoxication": ("intoxication_signs", "Signs of intoxication: do not dose today."),
    "no_stimulant_or_cocaine": (
        "stimulant_or_cocaine",
        "Cocaine or non-prescribed stimulant use in the last {window_h} h: risk of a "
        "blood-pressure surge; do not dose without the prescriber's decision.",
    ),
    "nasal_medication_timing": ("nasal_medication_at", ""),
}


def _day_of_session(
    key: str, item: dict[str, Any], facts: PreCheckFacts, now: datetime
) -> tuple[str, str]:
    answers = facts.day_of_session
    if answers is None:
        return MISSING, "Ask the day-of-session questions."
    answer, failed = _DAY_OF_SESSION[key]
    if key == "nasal_medication_timing":
        given = answers.get(answer)
        if given is None:
            return MET, "No nasal decongestant or corticosteroid today."
        minutes = (now - given).total_seconds() / 60
        if minutes < item["min_before_min"]:
            return FAILED, (
                f"Nasal medication {int(minutes)} min ago: wait until "
                f"{item['min_before_min']} min have passed before esketamine."
            )
        return MET, f"Nasal medication given {int(minutes)} min ago."
    if answers.get(answer):
        return FAILED, failed.format(**item)
    return MET, "Asked today: none."
