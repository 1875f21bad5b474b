"""The screening rules added by the safety review: table tests from its values.

Blood pressure at screening (>=180/110 override, 141-179/91-109 caution [@acc-aha-2017]),
suicide risk and inpatient care [@spravato-uspi §1] [@posner-2011], esketamine MDSI with an
oral antidepressant [@spravato-uspi §1], naltrexone [@williams-2018] [@yoon-2019], diazepam
equivalents [@ashton-2002] above 8 mg/day [@andrashko-2020], the new history words and the
esketamine psychosis rule. Numbers here are test data taken from those values.
"""

from __future__ import annotations

from typing import Any

import pytest

from ketamine_care.screening.rule_set import load_rule_set

from .factories import ED, PSYCHIATRIC, clean_facts, reason_map, screen

ESKETAMINE = ["esketamine-trd-label", "esketamine-mdsi-label"]
VERDICT = {
    "ineligible": "ineligible",
    "requires_override": "requires_override",
    "caution": "eligible_with_cautions",
}


def _check(protocol: str, facts: dict[str, Any], rule: str, severity: str) -> None:
    result = screen(protocol, facts)
    assert reason_map(result).get(rule) == severity, result.as_json()
    assert result.verdict == VERDICT[severity], result.as_json()


def _add_meds(protocol: str, *meds: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    facts = clean_facts(protocol, **overrides)
    facts["medications"] = [*facts["medications"], *meds]
    return facts


@pytest.mark.parametrize("protocol", PSYCHIATRIC)
class ScreeningBloodPressureTests:
    @pytest.mark.parametrize(
        ("systolic", "diastolic"), [(180, 100), (150, 110), (200, 120), (180, 110), (230, 79)]
    )
    def test_180_110_or_more_needs_medical_clearance(self, protocol, systolic, diastolic):
        facts = clean_facts(protocol, bp_systolic=systolic, bp_diastolic=diastolic)
        _check(protocol, facts, "vitals.bp_at_least_180_110", "requires_override")
        assert "medical clearance" in reason_map_message(protocol, facts)

    @pytest.mark.parametrize(("systolic", "diastolic"), [(179, 109), (141, 80), (130, 91)])
    def test_below_180_110_and_above_140_90_is_a_caution(self, protocol, systolic, diastolic):
        facts = clean_facts(protocol, bp_systolic=systolic, bp_diastolic=diastolic)
        result = screen(protocol, facts)
        assert "vitals.bp_at_least_180_110" not in reason_map(result)
        _check(protocol, facts, "vitals.bp_above_140_90", "caution")

    @pytest.mark.parametrize(("systolic", "diastolic"), [(190, 100), (150, 110), (180, 110)])
    def test_in_the_severe_range_only_the_severe_rule_shows(self, protocol, systolic, diastolic):
        """The caution says "below the severe range": at 180/110 or more it would contradict
        the severe-range reason beside it."""
        facts = clean_facts(protocol, bp_systolic=systolic, bp_diastolic=diastolic)
        rules = reason_map(screen(protocol, facts))
        assert rules["vitals.bp_at_least_180_110"] == "requires_override"
        assert "vitals.bp_above_140_90" not in rules

    def test_a_missing_screening_bp_is_missing_information(self, protocol):
        facts = clean_facts(protocol)
        del facts["bp_systolic"], facts["bp_diastolic"]
        result = screen(protocol, facts)
        assert reason_map(result)["vitals.bp_at_least_180_110"] == "missing_information"
        assert result.verdict == "requires_override"


def reason_map_message(protocol: str, facts: dict[str, Any]) -> str:
    return " ".join(r.message for r in screen(protocol, facts).reasons)


@pytest.mark.parametrize("protocol", PSYCHIATRIC)
class SuicideRiskTests:
    def test_high_risk_needs_an_override_naming_the_crisis_protocol(self, protocol):
        facts = clean_facts(protocol, suicide_risk="high")
        _check(protocol, facts, "suicide.high_risk", "requires_override")
        (reason,) = [r for r in screen(protocol, facts).reasons if r.rule == "suicide.high_risk"]
        assert "crisis protocol" in reason.message
        assert "place of hospitalization" in reason.message
        assert "[@spravato-uspi §1]" in reason.source

    def test_inpatient_care_needed_needs_an_override(self, protocol):
        facts = clean_facts(protocol, inpatient_care_needed=True)
        _check(protocol, facts, "suicide.inpatient_care_needed", "requires_override")

    @pytest.mark.parametrize("risk", ["low", "moderate"])
    def test_ideation_is_a_caution_asking_for_a_safety_plan(self, protocol, risk):
        facts = clean_facts(protocol, suicide_risk=risk)
        _check(protocol, facts, "suicide.ideation_safety_plan", "caution")

    @pytest.mark.parametrize("key", ["suicide_risk", "inpatient_care_needed"])
    def test_absent_is_missing_information(self, protocol, key):
        facts = clean_facts(protocol)
        del facts[key]
        result = screen(protocol, facts)
        assert {r.severity for r in result.reasons} == {"missing_information"}
        assert all(key in r.missing for r in result.reasons)
        assert result.verdict == "requires_override"
        assert result.override_allowed is True


@pytest.mark.parametrize("protocol", ED)
def test_emergency_protocols_do_not_ask_for_suicide_risk(protocol):
    facts = clean_facts(protocol)
    del facts["suicide_risk"], facts["inpatient_care_needed"]
    assert screen(protocol, facts).verdict == "eligible"


class EsketamineMdsiAntidepressantTests:
    def test_no_current_oral_antidepressant_needs_an_override(self):
        protocol = "esketamine-mdsi-label"
        facts = clean_facts(protocol, medications=[])
        _check(protocol, facts, "mdsi.no_oral_antidepressant", "requires_override")

    @pytest.mark.parametrize(
        "medication",
        [
            {"name": "sertraline", "class": "ssri"},
            {"name": "duloxetine", "class": "snri"},
            {"name": "nortriptyline", "class": "tca"},
            {"name": "a new drug", "class": "atypical_antidepressant"},
            {"name": "Bupropion"},
            {"name": "mirtazapine", "class": "other"},
            {"name": "phenelzine", "class": "maoi"},
        ],
    )
    def test_any_oral_antidepressant_satisfies_it(self, medication):
        facts = clean_facts("esketamine-mdsi-label", medications=[medication])
        result = screen("esketamine-mdsi-label", facts)
        assert "mdsi.no_oral_antidepressant" not in reason_map(result)

    def test_missing_medications_are_missing_information(self):
        facts = clean_facts("esketamine-mdsi-label")
        del facts["medications"]
        result = screen("esketamine-mdsi-label", facts)
        assert reason_map(result)["mdsi.no_oral_antidepressant"] == "missing_information"

    def test_trd_esketamine_does_not_require_an_antidepressant(self):
        # Approved as monotherapy for TRD since 2025.
        assert "mdsi.no_oral_antidepressant" not in {
            r.id for r in load_rule_set("esketamine-trd-label").rules
        }
        facts = clean_facts("esketamine-trd-label", medications=[])
        assert screen("esketamine-trd-label", facts).verdict == "eligible"


@pytest.mark.parametrize("protocol", PSYCHIATRIC)
@pytest.mark.parametrize(
    "medication",
    [
        {"name": "naltrexone", "class": "other"},
        {"name": "Naltrexone"},
        {"name": "nalmefene"},
        {"name": "an antagonist", "class": "opioid_antagonist"},
    ],
)
def test_naltrexone_gives_a_caution_naming_it(protocol, medication):
    facts = _add_meds(protocol, medication)
    _check(protocol, facts, "interaction.opioid_antagonist", "caution")
    (reason,) = [r for r in screen(protocol, facts).reasons if r.rule.endswith("antagonist")]
    assert "Naltrexone" in reason.message
    assert "[@williams-2018]" in reason.source and "[@yoon-2019]" in reason.source


def test_the_aud_protocol_shows_naltrexone_as_first_line_for_alcohol_use_disorder():
    facts = _add_meds("iv-ketamine-aud", {"name": "naltrexone", "daily_dose_mg": 50})
    result = screen("iv-ketamine-aud", facts)
    assert result.verdict == "eligible_with_cautions"
    (reason,) = result.reasons
    assert "first-line for alcohol use disorder" in reason.message


# (drug, mg equivalent to 10 mg diazepam) from the Ashton table.
ASHTON = [
    ("alprazolam", 0.5),
    ("clonazepam", 0.5),
    ("lorazepam", 1),
    ("oxazepam", 20),
    ("temazepam", 20),
    ("chlordiazepoxide", 25),
    ("clobazam", 20),
    ("clorazepate", 15),
    ("nitrazepam", 10),
    ("zolpidem", 20),
    ("zopiclone", 15),
    ("diazepam", 10),
]


@pytest.mark.parametrize(("drug", "equivalent"), ASHTON)
class DiazepamEquivalentTests:
    def test_above_8mg_dze_from_the_daily_dose_is_a_caution(self, drug, equivalent):
        dose = equivalent * 0.9  # 9 mg diazepam-equivalent a day
        facts = _add_meds("iv-ketamine-trd", {"name": drug, "daily_dose_mg": dose})
        result = screen("iv-ketamine-trd", facts)
        assert reason_map(result)["interaction.benzodiazepine_above_8mg_dze"] == "caution"

    def test_8mg_dze_or_less_is_not(self, drug, equivalent):
        dose = equivalent * 0.8  # exactly 8 mg diazepam-equivalent a day
        facts = _add_meds("iv-ketamine-trd", {"name": drug, "daily_dose_mg": dose})
        result = screen("iv-ketamine-trd", facts)
        assert "interaction.benzodiazepine_above_8mg_dze" not in reason_map(result)
        assert result.verdict in ("eligible", "eligible_with_cautions")


def test_doses_of_several_drugs_add_up():
    meds = (
        {"name": "lorazepam", "daily_dose_mg": 0.5},  # 5 mg
        {"name": "zopiclone", "daily_dose_mg": 7.5},  # 5 mg
    )
    result = screen("iv-ketamine-trd", _add_meds("iv-ketamine-trd", *meds))
    assert reason_map(result)["interaction.benzodiazepine_above_8mg_dze"] == "caution"


def test_a_clinicians_diazepam_equivalent_wins_over_the_table():
    med = {"name": "alprazolam", "daily_dose_mg": 2, "diazepam_equivalent_mg": 4}
    result = screen("iv-ketamine-trd", _add_meds("iv-ketamine-trd", med))
    assert "interaction.benzodiazepine_above_8mg_dze" not in reason_map(result)


# history word -> (psychiatric rule, severity), (emergency rule, severity or None)
HISTORY = {
    "recent_stroke": (
        ("neuro.recent_stroke", "requires_override"),
        ("ed.recent_stroke", "requires_override"),
    ),
    "cerebrovascular_disease": (
        ("neuro.cerebrovascular_disease", "caution"),
        ("ed.cardiovascular_relative", "caution"),
    ),
    "ischemic_heart_disease": (
        ("cardio.ischemic_heart_disease", "requires_override"),
        ("ed.cardiovascular_relative", "caution"),
    ),
    "hypertensive_encephalopathy": (
        ("neuro.hypertensive_encephalopathy", "caution"),
        ("ed.cardiovascular_relative", "caution"),
    ),
    "seizure_disorder": (("neuro.seizure_disorder", "requires_override"), None),
    "pulmonary_hypertension": (
        ("cardio.pulmonary_hypertension", "requires_override"),
        ("ed.cardiovascular_relative", "caution"),
    ),
    "glaucoma": (
        ("eye.glaucoma_or_globe_injury", "caution"),
        ("ed.intraocular_pressure", "caution"),
    ),
    "globe_injury": (
        ("eye.glaucoma_or_globe_injury", "caution"),
        ("ed.intraocular_pressure", "caution"),
    ),
    "porphyria": (("metabolic.porphyria", "caution"), ("ed.porphyria_or_thyroid", "caution")),
    "thyroid_disease": (
        ("metabolic.thyroid_disease", "caution"),
        ("ed.porphyria_or_thyroid", "caution"),
    ),
    "active_respiratory_infection": (
        ("airway.respiratory", "caution"),
        ("ed.laryngospasm_risk", "caution"),
    ),
    "asthma": (("airway.respiratory", "caution"), ("ed.laryngospasm_risk", "caution")),
    "airway_instability": (
        ("airway.respiratory", "caution"),
        ("ed.airway_instability", "caution"),
    ),
    "interstitial_cystitis": (("urologic.interstitial_cystitis", "caution"), None),
}


@pytest.mark.parametrize("item", sorted(HISTORY))
@pytest.mark.parametrize("protocol", PSYCHIATRIC)
def test_new_history_words_in_psychiatric_protocols(protocol, item):
    (rule, severity), _ = HISTORY[item]
    _check(protocol, clean_facts(protocol, history=[item]), rule, severity)


@pytest.mark.parametrize("item", sorted(HISTORY))
@pytest.mark.parametrize("protocol", ED)
def test_new_history_words_in_emergency_protocols(protocol, item):
    _, expected = HISTORY[item]
    result = screen(protocol, clean_facts(protocol, history=[item]))
    if expected is None:
        assert result.verdict == "eligible"
    else:
        _check(protocol, clean_facts(protocol, history=[item]), *expected)


@pytest.mark.parametrize("protocol", ED)
def test_raised_icp_is_a_caution_not_an_exclusion_in_emergency_protocols(protocol):
    facts = clean_facts(protocol, history=["raised_intracranial_pressure"])
    _check(protocol, facts, "ed.raised_intracranial_pressure", "caution")


@pytest.mark.parametrize("protocol", ESKETAMINE)
def test_the_esketamine_psychosis_exclusion_is_labelled_as_the_clinics_choice(protocol):
    (rule,) = [r for r in load_rule_set(protocol).rules if r.id == "psychosis.psychotic_disorder"]
    assert rule.evidence == "INSTITUTIONAL" and rule.editable
    assert "stricter than the label" in rule.message
    assert "not a contraindication" in rule.source
    facts = clean_facts(protocol, diagnoses=["mdd", "schizoaffective"])
    _check(protocol, facts, "psychosis.psychotic_disorder", "ineligible")


def test_iv_protocols_keep_the_shared_psychosis_rule():
    (rule,) = [
        r for r in load_rule_set("iv-ketamine-trd").rules if r.id == "psychosis.psychotic_disorder"
    ]
    assert rule.evidence == "RCT"


@pytest.mark.parametrize("protocol", PSYCHIATRIC)
def test_bipolar_with_psychotic_features_is_excluded(protocol):
    facts = clean_facts(protocol, diagnoses=["bipolar_psychotic_features"])
    _check(protocol, facts, "psychosis.mdd_psychotic_features", "ineligible")


THYROID_MEDICATIONS = [
    {"name": "levothyroxine", "class": "other"},  # the class the drug data gives decides
    {"name": "Liothyronine", "class": "other"},
    {"name": "methimazole", "class": "other"},
    {"name": "propylthiouracil", "class": "other"},
    {"name": "a thyroid tablet", "class": "thyroid_medication"},  # the class as declared
]


@pytest.mark.parametrize("medication", THYROID_MEDICATIONS, ids=lambda m: m["name"])
@pytest.mark.parametrize("protocol", [*PSYCHIATRIC, *ED])
def test_thyroid_medication_is_a_caution_like_thyroid_disease(protocol, medication):
    # ACEP's relative contraindication is "thyroid disease or thyroid medication": the
    # medication list alone must raise it, with no history word.
    psychiatric, emergency = HISTORY["thyroid_disease"]
    rule, severity = emergency if protocol in ED else psychiatric
    _check(protocol, _add_meds(protocol, medication), rule, severity)


@pytest.mark.parametrize(
    ("item", "rule"),
    [
        ("posterior_pharynx_procedure", "ed.laryngospasm_risk"),
        ("cns_mass_or_hydrocephalus", "ed.raised_intracranial_pressure"),
    ],
)
@pytest.mark.parametrize("protocol", ED)
def test_acep_relative_contraindications_are_cautions_in_emergency_protocols(protocol, item, rule):
    # ACEP 2011's relative contraindications must be expressible and give cautions: a
    # procedure stimulating the posterior pharynx (laryngospasm), a CNS mass or hydrocephalus.
    _check(protocol, clean_facts(protocol, history=[item]), rule, "caution")
