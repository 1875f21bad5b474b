"""Emergency-department rule sets ([@green-2011], [@wjem-2020-ed-ketamine]), not the
psychiatric rules."""

from __future__ import annotations

import pytest

from .factories import ED, clean_facts, reason_map, screen

ADULT_ED = ["ed-procedural-sedation", "ed-severe-agitation"]
SEDATION = ["ed-procedural-sedation", "pediatric-procedural-sedation"]


@pytest.mark.parametrize("protocol", ED)
class EmergencyRuleTests:
    def test_hypersensitivity_is_ineligible(self, protocol: str) -> None:
        result = screen(protocol, clean_facts(protocol, history=["ketamine_hypersensitivity"]))
        assert result.verdict == "ineligible"

    @pytest.mark.parametrize(
        "item",
        ["aneurysmal_vascular_disease", "arteriovenous_malformation", "intracerebral_hemorrhage"],
    )
    def test_vascular_bp_hazards_need_an_override(self, protocol: str, item: str) -> None:
        result = screen(protocol, clean_facts(protocol, history=[item]))
        assert reason_map(result) == {"ed.vascular_bp_hazard": "requires_override"}

    @pytest.mark.parametrize(
        "item",
        [
            "uncontrolled_hypertension",
            "recent_myocardial_infarction",
            "decompensated_heart_failure",
            "unstable_arrhythmia",
        ],
    )
    def test_cardiovascular_disease_needs_an_override(self, protocol: str, item: str) -> None:
        result = screen(protocol, clean_facts(protocol, history=[item]))
        assert reason_map(result) == {"ed.cardiovascular_disease": "requires_override"}

    @pytest.mark.parametrize(
        "changes",
        [
            {"failed_antidepressant_trials": 0},
            {"diagnoses": ["dementia", "delirium", "substance_use_disorder_active"]},
            {"pregnant": True},
            {"history": ["severe_hepatic_impairment", "lower_urinary_tract_symptoms"]},
            {"bp_systolic": 150, "bp_diastolic": 95},
        ],
    )
    def test_psychiatric_clinic_rules_do_not_apply(self, protocol: str, changes: dict) -> None:
        assert screen(protocol, clean_facts(protocol, **changes)).verdict == "eligible"

    def test_cns_depressants_including_benzodiazepines_are_a_caution(self, protocol: str) -> None:
        meds = [{"name": "midazolam", "class": "benzodiazepine", "daily_dose_mg": 2}]
        result = screen(protocol, clean_facts(protocol, medications=meds))
        assert reason_map(result) == {"interaction.cns_depressant": "caution"}

    def test_theophylline_needs_an_override(self, protocol: str) -> None:
        meds = [{"name": "aminophylline", "class": "other"}]
        result = screen(protocol, clean_facts(protocol, medications=meds))
        assert result.verdict == "requires_override"


@pytest.mark.parametrize("protocol", SEDATION)
def test_schizophrenia_is_an_absolute_contraindication_to_procedural_sedation(
    protocol: str,
) -> None:
    result = screen(protocol, clean_facts(protocol, diagnoses=["schizophrenia"]))
    assert reason_map(result) == {"ed.schizophrenia": "ineligible"}


@pytest.mark.parametrize("protocol", SEDATION)
def test_other_psychotic_illness_needs_an_override_for_sedation(protocol: str) -> None:
    result = screen(protocol, clean_facts(protocol, diagnoses=["other_psychotic_disorder"]))
    assert result.verdict == "requires_override"


def test_agitation_with_schizophrenia_is_a_caution() -> None:
    result = screen(
        "ed-severe-agitation", clean_facts("ed-severe-agitation", diagnoses=["schizophrenia"])
    )
    assert reason_map(result) == {"ed.psychotic_disorder": "caution"}


def test_delirium_does_not_block_agitation() -> None:
    facts = clean_facts("ed-severe-agitation", diagnoses=["delirium"])
    assert screen("ed-severe-agitation", facts).verdict == "eligible"


@pytest.mark.parametrize("protocol", ADULT_ED)
def test_adult_ed_protocols_make_under_18_ineligible(protocol: str) -> None:
    result = screen(protocol, clean_facts(protocol, age_years=17))
    assert reason_map(result) == {"age.under_18": "ineligible"}


@pytest.mark.parametrize(
    ("age_years", "expected"),
    [
        (0.2, {"age.under_3_months": "ineligible", "age.under_12_months": "requires_override"}),
        (0.25, {"age.under_12_months": "requires_override"}),
        (0.9, {"age.under_12_months": "requires_override"}),
        (1, {}),
        (17.9, {}),
        (18, {"age.adult": "requires_override"}),
    ],
)
def test_pediatric_sedation_age_limits(age_years: float, expected: dict) -> None:
    protocol = "pediatric-procedural-sedation"
    result = screen(protocol, clean_facts(protocol, age_years=age_years))
    assert reason_map(result) == expected
