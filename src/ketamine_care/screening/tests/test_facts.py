"""Facts validation: every bad field or word is named; nothing unknown is ignored."""

from __future__ import annotations

import pytest

from ketamine_care.screening.facts import FactsError, parse_facts

from .factories import clean_facts


def _problems(data: object) -> tuple[str, ...]:
    with pytest.raises(FactsError) as caught:
        parse_facts(data)
    return caught.value.problems


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"smoker": True}, "smoker: unknown field 'smoker'"),
        ({"diagnoses": ["mdd", "depression"]}, "diagnoses[1]: unknown word 'depression'"),
        ({"history": ["stroke"]}, "history[0]: unknown word 'stroke'"),
        ({"sex": "f"}, "sex: unknown word 'f'"),
        (
            {"medications": [{"name": "x", "class": "nsaid"}]},
            "medications[0].class: unknown word 'nsaid'",
        ),
        (
            {"medications": [{"name": "x", "class": "ssri", "route": "oral"}]},
            "medications[0].route: unknown field 'route'",
        ),
        (
            {"medications": [{"name": "unknownazepam"}]},
            "medications[0]: 'class' is required: drug name 'unknownazepam'",
        ),
        ({"medications": [{"class": "ssri"}]}, "medications[0].name: Field required"),
        ({"pregnant": "no"}, "pregnant: Input should be a valid boolean"),
        ({"age_years": "40"}, "age_years: Input should be a valid number"),
        ({"age_years": -1}, "age_years: Input should be greater than or equal to 0"),
        ({"failed_antidepressant_trials": 1.5}, "failed_antidepressant_trials:"),
        ({"diagnoses": "mdd"}, "diagnoses: Input should be a valid list"),
    ],
)
def test_it_names_the_bad_field_and_word(changes: dict, expected: str) -> None:
    problems = _problems(clean_facts(**changes))
    assert any(p.startswith(expected) for p in problems), problems


def test_vocabulary_errors_list_the_allowed_words() -> None:
    (problem,) = _problems({"diagnoses": ["depression"]})
    assert "allowed: mdd, mdd_psychotic_features" in problem


def test_it_reports_every_problem_at_once() -> None:
    problems = _problems({"foo": 1, "bar": 2, "history": ["x"]})
    assert len(problems) == 3


@pytest.mark.parametrize("data", [[], "facts", 3, None])
def test_it_rejects_a_non_object(data: object) -> None:
    assert _problems(data) == (f"facts: expected a JSON object, got {type(data).__name__}",)


def test_an_empty_object_is_valid_and_wholly_unknown() -> None:
    facts = parse_facts({})
    assert facts.age_years is None and facts.diagnoses is None and facts.medications is None


def test_class_may_be_omitted_for_a_known_drug_name() -> None:
    facts = parse_facts({"medications": [{"name": "Aminophylline"}]})
    assert facts.medications is not None
    assert facts.medications[0].drug_class is None


def test_integers_are_accepted_for_numbers() -> None:
    assert parse_facts({"age_years": 40, "weight_kg": 70}).weight_kg == 70.0


def test_the_python_attribute_name_is_not_an_accepted_key() -> None:
    problems = _problems({"medications": [{"name": "x", "drug_class": "ssri"}]})
    assert "medications[0].drug_class: unknown field 'drug_class'" in problems


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"sex": "male", "pregnant": True}, "pregnant: true contradicts sex 'male'"),
        ({"bp_systolic": 80, "bp_diastolic": 90}, "bp_diastolic: 90 is not below bp_systolic 80"),
        ({"bp_systolic": 90, "bp_diastolic": 90}, "bp_diastolic: 90 is not below bp_systolic 90"),
    ],
)
def test_contradictory_facts_are_refused_naming_the_fields(changes: dict, expected: str) -> None:
    problems = _problems(clean_facts(**changes))
    assert any(p.startswith(expected) for p in problems), problems


def test_every_contradiction_is_reported_at_once() -> None:
    problems = _problems(clean_facts(sex="male", pregnant=True, bp_systolic=100, bp_diastolic=120))
    assert [p.split(":")[0] for p in problems] == ["pregnant", "bp_diastolic"]


def test_a_male_patient_not_pregnant_is_consistent() -> None:
    assert parse_facts(clean_facts(sex="male", pregnant=False)).sex == "male"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"suicide_risk": "severe"}, "suicide_risk: unknown word 'severe'"),
        ({"inpatient_care_needed": "yes"}, "inpatient_care_needed: Input should be a valid"),
        ({"icd10_codes": ["opioid dependence"]}, "icd10_codes[0]: 'opioid dependence' is not"),
        ({"history": ["stroke"]}, "history[0]: unknown word 'stroke' (allowed:"),
    ],
)
def test_the_new_facts_name_bad_values(changes: dict, expected: str) -> None:
    problems = _problems(clean_facts(**changes))
    assert any(p.startswith(expected) for p in problems), problems
