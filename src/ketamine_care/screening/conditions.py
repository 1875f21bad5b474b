"""The declarative condition language of screening rules, and its three-valued evaluation.

A condition is a one-key JSON object (`{"has_history": "intracerebral_hemorrhage"}`) or a
combination (`all`, `any`, `not`). Evaluation gives True, False or None (unknown), with the
names of the facts whose absence made it unknown. Unknown follows Kleene logic, so a
combination is decided whenever the known facts decide it: `all` is False as soon as one part
is False, `any` is True as soon as one part is True, `not` keeps unknown unknown.

Fact semantics (documented for the CLI contract):
- A list (`diagnoses`, `history`, `medications`) is a complete statement: a word absent from a
  supplied list is not present. A list key that is missing or null is unknown.
- An open medication list (`medications_unreviewed` true: a chart's list nobody confirmed
  complete) holds what it lists, nothing more: a listed medication of a class decides a rule
  as usual, but a class it does not list is unknown, missing `medications_reviewed` ("confirm
  the list is complete"), never "not taken". `medications_unreviewed` null or false (the
  default) keeps the list complete.
- Age is in years, fractions allowed (from the record: completed months / 12, so 7 months is
  0.583). A whole-year limit compares completed years: `age_gt: 65` holds from the 66th
  birthday, as it did when ages were whole years (`age_lt` and `age_ge` agree either way).
- A scalar (`age_years`, `pregnant`, the blood pressures, `failed_antidepressant_trials`) that is
  missing or null is unknown, except that `is_true` may name a `not_needed_when` condition
  (pregnancy and breastfeeding are not needed for a male patient).
- Blood pressure is "above" when either reading is above its limit (mmHg, strict >), and "at
  least" when either reading is at or above it, so one high reading decides it even if the other
  is missing.
- Diagnoses are the `diagnoses` words plus the words of any `icd10_codes` (see `icd10`). A
  chapter F code the map cannot classify makes `unclassified_diagnosis` unknown, naming the
  code ("classification of F31.4"): it is never read as "no such diagnosis".
- Benzodiazepine load is the sum of each benzodiazepine's (and listed Z-drug's)
  `diazepam_equivalent_mg` (mg/day). Where a clinician gave none, the drug data's approximate
  equivalence times `daily_dose_mg` is used; otherwise that medication's value is unknown. A
  known total above the limit decides it; otherwise an open list also misses
  `medications_reviewed` (an unlisted benzodiazepine could add to the total).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from . import icd10
from .facts import Facts, benzodiazepine_dze_mg, counts_toward_dze, medication_classes
from .vocabulary import Diagnosis, HistoryItem, MedicationClass, Sex, SuicideRisk


@dataclass(frozen=True)
class Outcome:
    """Three-valued result: `value` None means unknown, `missing` names the absent facts."""

    value: bool | None
    missing: frozenset[str] = frozenset()


TRUE = Outcome(True)
FALSE = Outcome(False)
# The missing fact an open medication list leaves: someone confirming the list is complete.
MEDICATIONS_REVIEWED = "medications_reviewed"


class _Cond(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class HasHistory(_Cond):
    has_history: HistoryItem


class HasHistoryAny(_Cond):
    has_history_any: tuple[HistoryItem, ...] = Field(min_length=1)


class HasDiagnosisAny(_Cond):
    has_diagnosis_any: tuple[Diagnosis, ...] = Field(min_length=1)


class MedClassAny(_Cond):
    med_class_any: tuple[MedicationClass, ...] = Field(min_length=1)


class AgeLt(_Cond):
    """Age in years strictly below the value."""

    age_lt: float = Field(gt=0)


class AgeGe(_Cond):
    """Age in years at or above the value."""

    age_ge: float = Field(gt=0)


class AgeGt(_Cond):
    """Age in years strictly above the value; in completed years for a whole-year value."""

    age_gt: float = Field(gt=0)


class AgeLtMonths(_Cond):
    """Age strictly below this many months (age_years * 12)."""

    age_lt_months: float = Field(gt=0)


class BpAbove(_Cond):
    """[systolic, diastolic] limits in mmHg; true when either reading is strictly above."""

    bp_above: tuple[float, float]


class BpAtLeast(_Cond):
    """[systolic, diastolic] limits in mmHg; true when either reading is at or above its limit."""

    bp_at_least: tuple[float, float]


class SuicideRiskIn(_Cond):
    """The current suicide risk (C-SSRS triage level) is one of these."""

    suicide_risk_in: tuple[SuicideRisk, ...] = Field(min_length=1)


class UnclassifiedDiagnosis(_Cond):
    """A psychiatric ICD-10-CM code the map cannot classify (always written as true)."""

    unclassified_diagnosis: Literal[True]


class BenzodiazepineDzeGt(_Cond):
    """Total benzodiazepine diazepam-equivalent, mg/day, strictly above the value."""

    benzodiazepine_dze_gt: float = Field(ge=0)


class FailedTrialsLt(_Cond):
    failed_trials_lt: int = Field(ge=1)


class SexIs(_Cond):
    sex: Sex


class IsTrue(_Cond):
    is_true: Literal["pregnant", "breastfeeding", "inpatient_care_needed"]
    not_needed_when: Condition | None = None


class All(_Cond):
    all: tuple[Condition, ...] = Field(min_length=1)


class AnyOf(_Cond):
    any: tuple[Condition, ...] = Field(min_length=1)


class Not(_Cond):
    not_: Condition = Field(alias="not")


# Smart-mode union: every model forbids extra keys, so exactly one branch matches.
Condition = Annotated[
    HasHistory
    | HasHistoryAny
    | HasDiagnosisAny
    | MedClassAny
    | AgeLt
    | AgeGe
    | AgeGt
    | AgeLtMonths
    | BpAbove
    | BpAtLeast
    | SuicideRiskIn
    | UnclassifiedDiagnosis
    | BenzodiazepineDzeGt
    | FailedTrialsLt
    | SexIs
    | IsTrue
    | All
    | AnyOf
    | Not,
    Field(union_mode="smart"),
]

for _model in (IsTrue, All, AnyOf, Not):
    _model.model_rebuild()


def _known(value: bool) -> Outcome:
    return TRUE if value else FALSE


def _unknown(*fields: str) -> Outcome:
    return Outcome(None, frozenset(fields))


def _in_list(items: Sequence[str] | None, field: str, wanted: tuple[str, ...]) -> Outcome:
    if items is None:
        return _unknown(field)
    return _known(any(word in items for word in wanted))


def _age(facts: Facts, test: bool) -> Outcome:
    return _unknown("age_years") if facts.age_years is None else _known(bool(test))


def _completed(age: float, limit: float) -> float:
    """The age counted as the limit counts: completed years against a whole-year limit (65
    years and 3 months is not over 65), as given against a fractional one."""
    return math.floor(age) if float(limit).is_integer() else age


def _code_words(facts: Facts) -> set[str]:
    return {w for code in facts.icd10_codes or () for w in icd10.words_for(code).words}


def _has_diagnosis(facts: Facts, wanted: tuple[str, ...]) -> Outcome:
    if any(word in _code_words(facts) for word in wanted):
        return TRUE
    return _in_list(facts.diagnoses, "diagnoses", wanted)


def _unclassified(facts: Facts) -> Outcome:
    codes = [c for c in facts.icd10_codes or () if not icd10.words_for(c).classified]
    return _unknown(*(f"classification of {c.upper()}" for c in codes)) if codes else FALSE


def _bp_above(
    facts: Facts, systolic_limit: float, diastolic_limit: float, inclusive: bool = False
) -> Outcome:
    readings = (
        ("bp_systolic", facts.bp_systolic, systolic_limit),
        ("bp_diastolic", facts.bp_diastolic, diastolic_limit),
    )
    if any(
        value is not None and (value >= limit if inclusive else value > limit)
        for _, value, limit in readings
    ):
        return TRUE
    missing = [name for name, value, _ in readings if value is None]
    return _unknown(*missing) if missing else FALSE


def _benzodiazepine_above(facts: Facts, limit: float) -> Outcome:
    if facts.medications is None:
        return _unknown("medications")
    doses: list[float] = []
    missing: list[str] = []
    for med in facts.medications:
        if not counts_toward_dze(med):
            continue
        dze = benzodiazepine_dze_mg(med)
        if dze is None:
            # Named by drug, not list position, so the reason is independent of list order.
            missing.append(f"medications[{med.name}].diazepam_equivalent_mg")
        else:
            doses.append(dze)
    # fsum is correctly rounded, so the total does not depend on the order of the list.
    # A known total already above the limit decides it, whatever the unknown doses add.
    if math.fsum(doses) > limit:
        return TRUE
    if facts.medications_unreviewed:
        missing.append(MEDICATIONS_REVIEWED)
    return _unknown(*missing) if missing else FALSE


def _has_med_class(facts: Facts, wanted: tuple[str, ...]) -> Outcome:
    if facts.medications is None:
        return _unknown("medications")
    if any(set(wanted) & medication_classes(med) for med in facts.medications):
        return TRUE
    # An open list: the class may be taken without being listed.
    return _unknown(MEDICATIONS_REVIEWED) if facts.medications_unreviewed else FALSE


def _is_true(facts: Facts, cond: IsTrue) -> Outcome:
    value = getattr(facts, cond.is_true)
    if value is not None:
        return _known(value)
    if cond.not_needed_when is None:
        return _unknown(cond.is_true)
    exempt = evaluate_condition(cond.not_needed_when, facts)
    if exempt.value:
        return FALSE
    # Unknown exemption (e.g. sex missing): name both facts, either would settle the rule.
    return _unknown(cond.is_true, *exempt.missing)


def _all(parts: list[Outcome]) -> Outcome:
    if any(p.value is False for p in parts):
        return FALSE
    unknown = [p for p in parts if p.value is None]
    return Outcome(None, frozenset().union(*(p.missing for p in unknown))) if unknown else TRUE


def _any(parts: list[Outcome]) -> Outcome:
    if any(p.value is True for p in parts):
        return TRUE
    unknown = [p for p in parts if p.value is None]
    return Outcome(None, frozenset().union(*(p.missing for p in unknown))) if unknown else FALSE


def evaluate_condition(cond: Condition, facts: Facts) -> Outcome:
    """Evaluate one condition against the facts (three-valued; see the module docstring)."""
    age = facts.age_years
    match cond:
        case HasHistory(has_history=item):
            return _in_list(facts.history, "history", (item,))
        case HasHistoryAny(has_history_any=items):
            return _in_list(facts.history, "history", items)
        case HasDiagnosisAny(has_diagnosis_any=items):
            return _has_diagnosis(facts, items)
        case UnclassifiedDiagnosis():
            return _unclassified(facts)
        case MedClassAny(med_class_any=classes):
            return _has_med_class(facts, classes)
        case AgeLt(age_lt=limit):
            return _age(facts, age is not None and age < limit)
        case AgeGe(age_ge=limit):
            return _age(facts, age is not None and age >= limit)
        case AgeGt(age_gt=limit):
            return _age(facts, age is not None and _completed(age, limit) > limit)
        case AgeLtMonths(age_lt_months=limit):
            return _age(facts, age is not None and age * 12 < limit)
        case BpAbove(bp_above=(systolic, diastolic)):
            return _bp_above(facts, systolic, diastolic)
        case BpAtLeast(bp_at_least=(systolic, diastolic)):
            return _bp_above(facts, systolic, diastolic, inclusive=True)
        case SuicideRiskIn(suicide_risk_in=levels):
            risk = facts.suicide_risk
            return _unknown("suicide_risk") if risk is None else _known(risk in levels)
        case BenzodiazepineDzeGt(benzodiazepine_dze_gt=limit):
            return _benzodiazepine_above(facts, limit)
        case FailedTrialsLt(failed_trials_lt=limit):
            trials = facts.failed_antidepressant_trials
            return (
                _unknown("failed_antidepressant_trials")
                if trials is None
                else _known(trials < limit)
            )
        case SexIs(sex=sex):
            return _unknown("sex") if facts.sex is None else _known(facts.sex == sex)
        case IsTrue():
            return _is_true(facts, cond)
        case All(all=parts):
            return _all([evaluate_condition(p, facts) for p in parts])
        case AnyOf(any=parts):
            return _any([evaluate_condition(p, facts) for p in parts])
        case Not(not_=inner):
            result = evaluate_condition(inner, facts)
            return result if result.value is None else _known(not result.value)
    raise TypeError(f"unsupported condition {cond!r}")  # pragma: no cover - closed union
