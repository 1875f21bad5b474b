"""The condition language's three-valued logic, table by table (module docstring of
`screening.conditions`): a missing fact is unknown and named, never read as "absent", and a
combination is decided only when the known facts decide it (Kleene logic).

No packaged rule set combines conditions with `any` yet; a clinic's rule set may, so the
combinators are tested here on their own.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from ketamine_care.screening.conditions import Condition, Outcome, evaluate_condition
from ketamine_care.screening.facts import parse_facts

_CONDITION = TypeAdapter(Condition)

HEMORRHAGE = {"has_history": "intracerebral_hemorrhage"}
OLDER = {"age_ge": 65}
SEVERE_BP = {"bp_at_least": [180, 110]}


def _outcome(condition: dict[str, Any], facts: dict[str, Any]) -> Outcome:
    return evaluate_condition(_CONDITION.validate_python(condition), parse_facts(facts))


def _unknown(*names: str) -> Outcome:
    return Outcome(None, frozenset(names))


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # One true part decides an OR, whatever is unknown.
        ({"history": ["intracerebral_hemorrhage"]}, Outcome(True)),
        ({"history": [], "age_years": 70}, Outcome(True)),
        # No part true and one unknown: unknown, naming what would settle it.
        ({"history": []}, _unknown("age_years")),
        ({"age_years": 40}, _unknown("history")),
        ({}, _unknown("history", "age_years")),
        # Every part known and false: false.
        ({"history": [], "age_years": 40}, Outcome(False)),
    ],
)
def test_any_is_true_once_one_part_is_true_and_unknown_while_a_part_is(
    facts: dict[str, Any], expected: Outcome
) -> None:
    assert _outcome({"any": [HEMORRHAGE, OLDER]}, facts) == expected


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # One false part decides an AND, whatever is unknown.
        ({"history": []}, Outcome(False)),
        ({"history": ["intracerebral_hemorrhage"], "age_years": 40}, Outcome(False)),
        ({"history": ["intracerebral_hemorrhage"]}, _unknown("age_years")),
        ({}, _unknown("history", "age_years")),
        ({"history": ["intracerebral_hemorrhage"], "age_years": 65}, Outcome(True)),
    ],
)
def test_all_is_false_once_one_part_is_false_and_unknown_while_a_part_is(
    facts: dict[str, Any], expected: Outcome
) -> None:
    assert _outcome({"all": [HEMORRHAGE, OLDER]}, facts) == expected


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"history": ["intracerebral_hemorrhage"]}, Outcome(False)),
        ({"history": []}, Outcome(True)),
        ({}, _unknown("history")),
    ],
)
def test_not_keeps_unknown_unknown(facts: dict[str, Any], expected: Outcome) -> None:
    assert _outcome({"not": HEMORRHAGE}, facts) == expected


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # Blood pressure at least 180/110 [@acc-aha-2017]: one high reading decides it.
        ({"bp_systolic": 180}, Outcome(True)),
        ({"bp_diastolic": 110}, Outcome(True)),
        ({"bp_systolic": 179}, _unknown("bp_diastolic")),
        ({"bp_systolic": 179, "bp_diastolic": 109}, Outcome(False)),
    ],
)
def test_one_high_reading_decides_blood_pressure(facts: dict[str, Any], expected: Outcome) -> None:
    assert _outcome(SEVERE_BP, facts) == expected


def test_an_or_of_unknown_parts_names_every_missing_fact() -> None:
    outcome = _outcome({"any": [SEVERE_BP, HEMORRHAGE, OLDER]}, {"history": []})
    assert outcome == _unknown("bp_systolic", "bp_diastolic", "age_years")


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # "Above" is strict (> 140/90), unlike "at least"; either reading decides it.
        ({"bp_systolic": 140, "bp_diastolic": 90}, Outcome(False)),
        ({"bp_systolic": 141, "bp_diastolic": 90}, Outcome(True)),
        ({"bp_systolic": 140, "bp_diastolic": 91}, Outcome(True)),
        ({"bp_systolic": 140}, _unknown("bp_diastolic")),
    ],
)
def test_above_a_blood_pressure_is_strict(facts: dict[str, Any], expected: Outcome) -> None:
    assert _outcome({"bp_above": [140, 90]}, facts) == expected


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"age_years": 65}, Outcome(False)),
        ({"age_years": 66}, Outcome(True)),
        ({}, _unknown("age_years")),
    ],
)
def test_older_than_an_age_is_strict(facts: dict[str, Any], expected: Outcome) -> None:
    assert _outcome({"age_gt": 65}, facts) == expected


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({}, _unknown("diagnoses")),
        ({"diagnoses": []}, Outcome(False)),
        ({"diagnoses": ["schizophrenia"]}, Outcome(True)),
        # A code that maps to the word decides it even when the word list is missing.
        ({"icd10_codes": ["F20.9"]}, Outcome(True)),
    ],
)
def test_a_diagnosis_comes_from_the_words_or_the_codes(
    facts: dict[str, Any], expected: Outcome
) -> None:
    assert _outcome({"has_diagnosis_any": ["schizophrenia"]}, facts) == expected


@pytest.mark.parametrize(
    ("months", "age_years", "under"),
    [
        # Under 3 months: ineligible for ketamine sedation [@green-2011].
        (3, 0.24, True),
        (3, 0.25, False),
        # Under 12 months: the stricter UK paediatric line [@rcem-paediatric-ketamine].
        (12, 0.99, True),
        (12, 1.0, False),
    ],
)
def test_an_infants_age_in_months_is_its_age_in_years_times_12(
    months: int, age_years: float, under: bool
) -> None:
    assert _outcome({"age_lt_months": months}, {"age_years": age_years}) == Outcome(under)


@pytest.mark.parametrize(
    ("condition", "age_years", "holds"),
    [
        # A record's age is completed months / 12: a whole-year limit still counts completed
        # years, so 65 years and 11 months is not over 65, as when ages were whole years.
        ({"age_gt": 65}, 65 + 11 / 12, False),
        ({"age_gt": 65}, 65.0, False),
        ({"age_gt": 65}, 66.0, True),
        ({"age_lt": 18}, 17 + 11 / 12, True),
        ({"age_lt": 18}, 18.0, False),
        ({"age_ge": 65}, 64 + 11 / 12, False),
        ({"age_ge": 65}, 65.0, True),
        # A fractional limit compares the age as given.
        ({"age_gt": 0.5}, 0.5, False),
        ({"age_gt": 0.5}, 7 / 12, True),
    ],
)
def test_whole_year_limits_count_completed_years(
    condition: dict, age_years: float, holds: bool
) -> None:
    assert _outcome(condition, {"age_years": age_years}) == Outcome(holds)
