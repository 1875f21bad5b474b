"""Screening facts: the validated input of the evaluator (pure; no Django).

`parse_facts(data)` turns a JSON object into a frozen `Facts` model or raises `FactsError`,
whose `problems` name each bad field and word ("diagnoses[2]: unknown word 'mdd2'"). Unknown
keys are errors, never ignored, and types are strict (a string is not a number or a boolean).

Missing versus absent (see `conditions` for how rules use this): a key that is missing or null
is *unknown*; a supplied list is complete, so a word absent from it is *not present*. The one
exception is the medication list when `medications_unreviewed` is true: the listed medications
are taken, but nobody confirmed the list complete, so a class absent from it is unknown.

Units: age in years (fractional years allowed, e.g. 0.2 for a ten-week-old infant), weight kg,
height cm, blood pressure mmHg, heart rate beats/min, medication doses mg/day.

Contradictory facts (a male patient recorded as pregnant; a diastolic pressure at or above the
systolic) are refused like unknown words, naming the fields: a verdict built on facts that
cannot both be true would be built on a typing error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from . import interactions
from .vocabulary import (
    DIAGNOSES,
    HISTORY_ITEMS,
    MEDICATION_CLASSES,
    SEXES,
    SUICIDE_RISKS,
    Diagnosis,
    HistoryItem,
    MedicationClass,
    Sex,
    SuicideRisk,
)

if TYPE_CHECKING:
    from .rule_set import RuleSet

_ALLOWED = {
    "diagnoses": DIAGNOSES,
    "history": HISTORY_ITEMS,
    "class": MEDICATION_CLASSES,
    "sex": SEXES,
    "suicide_risk": SUICIDE_RISKS,
}
# An ICD-10-CM code: a letter, two characters, and an optional dot with up to four more.
ICD10_PATTERN = r"^[A-Za-z][0-9][0-9A-Za-z](\.[0-9A-Za-z]{1,4})?$"


class FactsError(ValueError):
    """Invalid facts; `problems` holds one message per bad field, each naming it."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)


class Medication(_Strict):
    """One current medication. `class` may be omitted only for a drug name the data knows."""

    name: str = Field(min_length=1)
    drug_class: MedicationClass | None = Field(default=None, alias="class")
    daily_dose_mg: float | None = Field(default=None, ge=0)
    diazepam_equivalent_mg: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _class_known(self) -> Medication:
        if self.drug_class is None and interactions.classify_drug(self.name) is None:
            raise ValueError(
                f"'class' is required: drug name {self.name!r} is not in the drug list"
            )
        return self


class Facts(_Strict):
    """Everything the screening rules may ask about; every field may be missing (unknown)."""

    age_years: float | None = Field(default=None, ge=0, le=130)
    sex: Sex | None = None
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    weight_kg: float | None = Field(default=None, gt=0)
    height_cm: float | None = Field(default=None, gt=0)
    bp_systolic: float | None = Field(default=None, gt=0)
    bp_diastolic: float | None = Field(default=None, gt=0)
    heart_rate: float | None = Field(default=None, gt=0)
    diagnoses: list[Diagnosis] | None = None
    history: list[HistoryItem] | None = None
    failed_antidepressant_trials: int | None = Field(default=None, ge=0)
    medications: list[Medication] | None = None
    # True: the listed medications are taken, but the list was not confirmed complete (a
    # chart's list nobody reconciled). None or false: the list is complete.
    medications_unreviewed: bool | None = None
    suicide_risk: SuicideRisk | None = None
    inpatient_care_needed: bool | None = None
    icd10_codes: list[Annotated[str, Field(pattern=ICD10_PATTERN)]] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Facts:
        problems = contradictions(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self


def contradictions(facts: Facts) -> list[str]:
    """Facts that cannot all be true, one message per problem, each naming its fields."""
    problems = []
    if facts.sex == "male" and facts.pregnant:
        problems.append(
            "pregnant: true contradicts sex 'male'; correct pregnant or sex (contradictory facts)"
        )
    systolic, diastolic = facts.bp_systolic, facts.bp_diastolic
    if systolic is not None and diastolic is not None and diastolic >= systolic:
        problems.append(
            f"bp_diastolic: {diastolic:g} is not below bp_systolic {systolic:g}; correct "
            "bp_systolic or bp_diastolic (contradictory facts)"
        )
    return problems


FACT_FIELDS: tuple[str, ...] = tuple(Facts.model_fields)


def medication_classes(med: Medication) -> frozenset[str]:
    """Declared class plus the class the drug data gives for the name (see `interactions`)."""
    return interactions.medication_classes(med.name, med.drug_class)


def counts_toward_dze(med: Medication) -> bool:
    """Benzodiazepines, and the Z-drugs the equivalence table lists (zolpidem, zopiclone)."""
    drug = interactions.find_drug(med.name)
    has_factor = drug is not None and drug.diazepam_equivalent_factor is not None
    return has_factor or "benzodiazepine" in medication_classes(med)


def benzodiazepine_dze_mg(med: Medication) -> float | None:
    """Diazepam-equivalent mg/day of one benzodiazepine or Z-drug, or None when unknown.

    The clinician's `diazepam_equivalent_mg` wins; otherwise the drug data's approximate
    equivalence [@ashton-2002] times `daily_dose_mg`. A drug without one is not guessed.
    """
    if med.diazepam_equivalent_mg is not None:
        return med.diazepam_equivalent_mg
    drug = interactions.find_drug(med.name)
    if drug and drug.diazepam_equivalent_factor is not None and med.daily_dose_mg is not None:
        return drug.diazepam_equivalent_factor * med.daily_dose_mg
    return None


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += part if not text else f".{part}"
    return text or "facts"


def _problem(error: Mapping[str, Any]) -> str:
    # Pydantic adds the union/model branch name to some locations; keep only the data path.
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    where = _location(loc)
    field = next((p for p in reversed(loc) if isinstance(p, str)), "")
    if error["type"] == "extra_forbidden":
        return f"{where}: unknown field {loc[-1]!r}"
    if error["type"] == "string_pattern_mismatch" and field == "icd10_codes":
        return f"{where}: {error['input']!r} is not an ICD-10-CM code (e.g. F33.1)"
    if error["type"] == "literal_error" and field in _ALLOWED:
        allowed = ", ".join(_ALLOWED[field])
        return f"{where}: unknown word {error['input']!r} (allowed: {allowed})"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}"


def load_rule_set(rule_set_id: str) -> RuleSet:
    """Convenience alias of `rule_set.load_rule_set` (the rule-set models live there)."""
    from .rule_set import load_rule_set as load  # deferred: rule_set imports this module

    return load(rule_set_id)


def parse_facts(data: object) -> Facts:
    """Validate a JSON object into `Facts`; raises `FactsError` naming each bad field/word."""
    if not isinstance(data, Mapping):
        raise FactsError([f"facts: expected a JSON object, got {type(data).__name__}"])
    try:
        return Facts.model_validate(dict(data))
    except ValidationError as exc:
        problems: list[str] = []
        for error in exc.errors():
            if error["type"] == "value_error" and not error["loc"]:
                # The consistency check: one line per contradiction, each naming its field.
                message = str(error["msg"]).removeprefix("Value error, ")
                problems.extend(message.split("\n"))
            else:
                problems.append(_problem(error))
        raise FactsError(problems) from None
