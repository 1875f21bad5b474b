"""A fact a rule needs but the facts do not give is reported, never treated as false."""

from __future__ import annotations

import pytest

from ketamine_care.screening.facts import FACT_FIELDS

from .factories import ALL_PROTOCOLS, clean_facts, reason_map, screen


def _without(protocol: str, *keys: str) -> dict:
    facts = clean_facts(protocol)
    for key in keys:
        facts.pop(key)
    return facts


@pytest.mark.parametrize("protocol", ALL_PROTOCOLS)
def test_empty_facts_are_never_eligible(protocol: str) -> None:
    result = screen(protocol, {})
    assert result.verdict == "requires_override"
    assert {r.severity for r in result.reasons} == {"missing_information"}


@pytest.mark.parametrize("protocol", ALL_PROTOCOLS)
@pytest.mark.parametrize("key", ["age_years", "history", "medications"])
def test_a_missing_key_every_protocol_needs_is_reported(protocol: str, key: str) -> None:
    result = screen(protocol, _without(protocol, key))
    missing = [r for r in result.reasons if r.severity == "missing_information"]
    assert missing and all(key in r.missing for r in missing)
    assert all(key in r.message for r in missing)
    assert result.verdict == "requires_override"


@pytest.mark.parametrize("key", ["age_years", "history", "diagnoses"])
def test_null_means_missing(key: str) -> None:
    result = screen("iv-ketamine-trd", clean_facts(**{key: None}))
    assert result.verdict == "requires_override"


def test_missing_history_cannot_rule_out_a_label_contraindication() -> None:
    result = screen("iv-ketamine-trd", _without("iv-ketamine-trd", "history"))
    assert reason_map(result)["label.intracerebral_hemorrhage"] == "missing_information"
    assert result.override_allowed is False


def test_missing_failed_trials_matters_only_for_trd() -> None:
    trd = screen("iv-ketamine-trd", _without("iv-ketamine-trd", "failed_antidepressant_trials"))
    assert reason_map(trd) == {"trd.fewer_than_2_failed_trials": "missing_information"}
    assert trd.override_allowed is True
    ptsd = screen("iv-ketamine-ptsd", _without("iv-ketamine-ptsd", "failed_antidepressant_trials"))
    assert ptsd.verdict == "eligible"


def test_pregnancy_is_not_needed_for_a_male_patient() -> None:
    facts = _without("iv-ketamine-trd", "pregnant", "breastfeeding")
    facts["sex"] = "male"
    assert screen("iv-ketamine-trd", facts).verdict == "eligible"


def test_pregnancy_is_needed_for_a_female_patient() -> None:
    result = screen("iv-ketamine-trd", _without("iv-ketamine-trd", "pregnant"))
    assert reason_map(result) == {"pregnancy.pregnant": "missing_information"}
    assert result.verdict == "requires_override"


def test_with_sex_unknown_pregnancy_names_both_facts() -> None:
    result = screen("iv-ketamine-trd", _without("iv-ketamine-trd", "pregnant", "sex"))
    (reason,) = [r for r in result.reasons if r.rule == "pregnancy.pregnant"]
    assert reason.missing == ("pregnant", "sex")


def test_a_recorded_pregnancy_counts_when_sex_is_unknown() -> None:
    result = screen("iv-ketamine-trd", _without("iv-ketamine-trd", "sex") | {"pregnant": True})
    assert reason_map(result) == {"pregnancy.pregnant": "requires_override"}


def test_one_high_bp_reading_decides_even_if_the_other_is_missing() -> None:
    facts = _without("iv-ketamine-trd", "bp_diastolic")
    facts["bp_systolic"] = 180
    assert reason_map(screen("iv-ketamine-trd", facts)) == {
        "vitals.bp_at_least_180_110": "requires_override",
    }


def test_a_missing_bp_reading_is_reported() -> None:
    result = screen("iv-ketamine-trd", _without("iv-ketamine-trd", "bp_diastolic"))
    assert reason_map(result) == {
        "vitals.bp_above_140_90": "missing_information",
        "vitals.bp_at_least_180_110": "missing_information",
    }


def test_a_benzodiazepine_without_a_diazepam_equivalent_is_reported() -> None:
    # Midazolam is not in the equivalence table: its diazepam equivalent must be given.
    meds = [{"name": "midazolam", "class": "benzodiazepine", "daily_dose_mg": 2}]
    result = screen("iv-ketamine-trd", clean_facts(medications=meds))
    (reason,) = [r for r in result.reasons if r.severity == "missing_information"]
    assert reason.rule == "interaction.benzodiazepine_above_8mg_dze"
    assert reason.missing == ("medications[midazolam].diazepam_equivalent_mg",)
    assert result.verdict == "requires_override"


def test_a_listed_benzodiazepine_without_a_daily_dose_is_reported() -> None:
    meds = [{"name": "lorazepam", "class": "benzodiazepine"}]
    result = screen("iv-ketamine-trd", clean_facts(medications=meds))
    assert reason_map(result)["interaction.benzodiazepine_above_8mg_dze"] == "missing_information"


def test_a_known_benzodiazepine_load_above_8mg_decides_despite_another_unknown() -> None:
    meds = [
        {"name": "lorazepam", "class": "benzodiazepine"},
        {"name": "clonazepam", "class": "benzodiazepine", "diazepam_equivalent_mg": 10},
    ]
    result = screen("iv-ketamine-trd", clean_facts(medications=meds))
    assert reason_map(result)["interaction.benzodiazepine_above_8mg_dze"] == "caution"


def test_diazepam_is_its_own_diazepam_equivalent() -> None:
    meds = [{"name": "Diazepam", "class": "benzodiazepine", "daily_dose_mg": 5}]
    result = screen("iv-ketamine-trd", clean_facts(medications=meds))
    # Known (5 mg diazepam-equivalent, not missing) and not above 8: the sedation caution only.
    assert reason_map(result) == {"interaction.benzodiazepine_sedation": "caution"}


def test_fact_fields_are_the_cli_contract() -> None:
    assert FACT_FIELDS == (
        "age_years",
        "sex",
        "pregnant",
        "breastfeeding",
        "weight_kg",
        "height_cm",
        "bp_systolic",
        "bp_diastolic",
        "heart_rate",
        "diagnoses",
        "history",
        "failed_antidepressant_trials",
        "medications",
        "medications_unreviewed",
        "suicide_risk",
        "inpatient_care_needed",
        "icd10_codes",
    )
