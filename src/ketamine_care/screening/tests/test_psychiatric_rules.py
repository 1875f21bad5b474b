"""Each psychiatric rule of the screening rule sets, as its cited sources state it."""

from __future__ import annotations

from typing import Any

import pytest

from ketamine_care.core.bibliography import citations, unknown_ids

from .factories import PSYCHIATRIC, TRD, clean_facts, reason_map, screen

VERDICT = {
    "ineligible": "ineligible",
    "requires_override": "requires_override",
    "caution": "eligible_with_cautions",
}

HISTORY_CASES = [
    ("aneurysmal_vascular_disease", "label.aneurysmal_vascular_disease", "ineligible"),
    ("arteriovenous_malformation", "label.arteriovenous_malformation", "ineligible"),
    ("intracerebral_hemorrhage", "label.intracerebral_hemorrhage", "ineligible"),
    ("ketamine_hypersensitivity", "label.hypersensitivity", "ineligible"),
    ("ketamine_or_pcp_misuse", "substance.ketamine_or_pcp_misuse", "requires_override"),
    ("uncontrolled_hypertension", "cardio.uncontrolled_hypertension", "requires_override"),
    ("recent_myocardial_infarction", "cardio.recent_myocardial_infarction", "requires_override"),
    ("decompensated_heart_failure", "cardio.decompensated_heart_failure", "requires_override"),
    ("unstable_arrhythmia", "cardio.unstable_arrhythmia", "requires_override"),
    ("raised_intracranial_pressure", "neuro.raised_intracranial_pressure", "requires_override"),
    ("severe_hepatic_impairment", "hepatic.severe_impairment", "requires_override"),
    ("moderate_hepatic_impairment", "hepatic.moderate_impairment", "caution"),
    ("obstructive_sleep_apnea", "airway.obstructive_sleep_apnea", "caution"),
    ("lower_urinary_tract_symptoms", "urologic.lower_urinary_tract_symptoms", "caution"),
]

DIAGNOSIS_CASES = [
    ("schizophrenia", "psychosis.psychotic_disorder", "ineligible"),
    ("schizoaffective", "psychosis.psychotic_disorder", "ineligible"),
    ("other_psychotic_disorder", "psychosis.psychotic_disorder", "ineligible"),
    ("mdd_psychotic_features", "psychosis.mdd_psychotic_features", "ineligible"),
    ("current_mania", "mood.current_mania", "ineligible"),
    ("dementia", "cognitive.dementia_or_delirium", "requires_override"),
    ("delirium", "cognitive.dementia_or_delirium", "requires_override"),
]


def _med(cls: str, name: str = "x", **extra: Any) -> dict[str, Any]:
    return {"name": name, "class": cls, "daily_dose_mg": 10, **extra}


MEDICATION_CASES = [
    ([_med("lamotrigine", "lamotrigine")], "interaction.lamotrigine", "caution"),
    ([_med("maoi", "phenelzine")], "interaction.maoi", "caution"),
    ([_med("psychostimulant", "methylphenidate")], "interaction.psychostimulant", "caution"),
    ([_med("opioid", "oxycodone")], "interaction.cns_depressant", "caution"),
    ([_med("sedative_hypnotic", "zolpidem")], "interaction.cns_depressant", "caution"),
    ([_med("theophylline", "theophylline")], "interaction.theophylline", "requires_override"),
    # Aminophylline declared as "other" is still theophylline through the drug data.
    ([_med("other", "aminophylline")], "interaction.theophylline", "requires_override"),
    (
        [_med("benzodiazepine", "clonazepam", diazepam_equivalent_mg=9)],
        "interaction.benzodiazepine_above_8mg_dze",
        "caution",
    ),
    (
        [
            _med("benzodiazepine", "lorazepam", diazepam_equivalent_mg=5),
            _med("benzodiazepine", "clonazepam", diazepam_equivalent_mg=4),
        ],
        "interaction.benzodiazepine_above_8mg_dze",
        "caution",
    ),
    (
        [{"name": "diazepam", "daily_dose_mg": 10}],
        "interaction.benzodiazepine_above_8mg_dze",
        "caution",
    ),
]


def _check(protocol: str, facts: dict[str, Any], rule: str, severity: str) -> None:
    result = screen(protocol, facts)
    assert reason_map(result).get(rule) == severity, result.as_json()
    assert result.verdict == VERDICT[severity]


@pytest.mark.parametrize("protocol", PSYCHIATRIC)
class PsychiatricRuleTests:
    @pytest.mark.parametrize(("item", "rule", "severity"), HISTORY_CASES)
    def test_history_items(self, protocol: str, item: str, rule: str, severity: str) -> None:
        _check(protocol, clean_facts(protocol, history=[item]), rule, severity)

    @pytest.mark.parametrize(("word", "rule", "severity"), DIAGNOSIS_CASES)
    def test_diagnoses(self, protocol: str, word: str, rule: str, severity: str) -> None:
        facts = clean_facts(protocol)
        facts["diagnoses"] = [*facts["diagnoses"], word]
        _check(protocol, facts, rule, severity)

    @pytest.mark.parametrize(("meds", "rule", "severity"), MEDICATION_CASES)
    def test_medications(self, protocol: str, meds: list, rule: str, severity: str) -> None:
        facts = clean_facts(protocol)
        facts["medications"] = [*facts["medications"], *meds]
        _check(protocol, facts, rule, severity)

    @pytest.mark.parametrize("field", ["pregnant", "breastfeeding"])
    def test_pregnancy_and_breastfeeding_need_an_override(self, protocol: str, field: str) -> None:
        _check(
            protocol,
            clean_facts(protocol, **{field: True}),
            f"pregnancy.{field}",
            "requires_override",
        )

    @pytest.mark.parametrize(
        ("systolic", "diastolic"), [(140, 80), (120, 90), (141, 80), (120, 91), (160, 100)]
    )
    def test_bp_of_140_90_or_more_is_a_caution(
        self, protocol: str, systolic: int, diastolic: int
    ) -> None:
        facts = clean_facts(protocol, bp_systolic=systolic, bp_diastolic=diastolic)
        _check(protocol, facts, "vitals.bp_above_140_90", "caution")

    def test_bp_just_below_140_90_is_not_a_caution(self, protocol: str) -> None:
        result = screen(protocol, clean_facts(protocol, bp_systolic=139, bp_diastolic=89))
        assert result.verdict == "eligible"

    def test_bipolar_without_lithium_or_valproate_needs_an_override(self, protocol: str) -> None:
        facts = clean_facts(protocol, medications=[])
        facts["diagnoses"] = [*facts["diagnoses"], "bipolar_i"]
        _check(protocol, facts, "bipolar.no_mood_stabilizer", "requires_override")

    @pytest.mark.parametrize("drug", ["lithium", "valproate"])
    def test_bipolar_on_a_mood_stabilizer_passes(self, protocol: str, drug: str) -> None:
        facts = clean_facts(protocol)
        facts["medications"] = [*facts["medications"], _med(drug, drug)]
        facts["diagnoses"] = [*facts["diagnoses"], "bipolar_i"]
        assert screen(protocol, facts).verdict == "eligible"

    def test_benzodiazepine_at_8mg_dze_is_a_sedation_caution(self, protocol: str) -> None:
        """A benzodiazepine is a CNS depressant like an opioid or a sedative-hypnotic (more
        sedation, monitor closely [@spravato-uspi §7]): a caution like theirs; above 8 mg
        diazepam-equivalent a day the blunting caution joins it."""
        facts = clean_facts(protocol)
        lorazepam = _med("benzodiazepine", "lorazepam", diazepam_equivalent_mg=8)
        facts["medications"] = [*facts["medications"], lorazepam]
        result = screen(protocol, facts)
        assert result.verdict == "eligible_with_cautions"
        assert reason_map(result) == {"interaction.benzodiazepine_sedation": "caution"}

    def test_active_substance_use_disorder_needs_an_override(self, protocol: str) -> None:
        facts = clean_facts(protocol)
        facts["diagnoses"] = [*facts["diagnoses"], "substance_use_disorder_active"]
        rule = (
            "substance.active_sud_other_than_alcohol"
            if protocol == "iv-ketamine-aud"
            else "substance.active_sud"
        )
        _check(protocol, facts, rule, "requires_override")


ADULT_PSYCHIATRIC = [p for p in PSYCHIATRIC if p != "iv-ketamine-adolescent-research"]


@pytest.mark.parametrize("protocol", ADULT_PSYCHIATRIC)
class AdultPsychiatricTests:
    @pytest.mark.parametrize("age", [17, 12, 17.9])
    def test_under_18_is_ineligible(self, protocol: str, age: float) -> None:
        _check(protocol, clean_facts(protocol, age_years=age), "age.under_18", "ineligible")

    def test_65_and_over_is_a_caution(self, protocol: str) -> None:
        _check(protocol, clean_facts(protocol, age_years=65), "age.65_and_over", "caution")

    def test_alcohol_use_disorder_is_an_active_sud_except_in_the_aud_protocol(
        self, protocol: str
    ) -> None:
        facts = clean_facts(protocol)
        facts["diagnoses"] = [*facts["diagnoses"], "alcohol_use_disorder"]
        result = screen(protocol, facts)
        if protocol == "iv-ketamine-aud":
            assert result.verdict == "eligible"
        else:
            assert reason_map(result)["substance.active_sud"] == "requires_override"


@pytest.mark.parametrize("protocol", PSYCHIATRIC)
def test_fewer_than_two_failed_trials_needs_an_override_only_for_trd(protocol: str) -> None:
    result = screen(protocol, clean_facts(protocol, failed_antidepressant_trials=1))
    if protocol in TRD:
        assert reason_map(result) == {"trd.fewer_than_2_failed_trials": "requires_override"}
        assert result.verdict == "requires_override"
    else:
        assert result.verdict == "eligible"


@pytest.mark.parametrize(
    ("age", "rule", "severity"),
    [
        (11, "age.under_12", "ineligible"),
        (18, "age.adult", "requires_override"),
        (30, "age.adult", "requires_override"),
    ],
)
def test_adolescent_research_age_limits(age: int, rule: str, severity: str) -> None:
    protocol = "iv-ketamine-adolescent-research"
    _check(protocol, clean_facts(protocol, age_years=age), rule, severity)


@pytest.mark.parametrize("age", [12, 15, 17.9])
def test_adolescent_research_accepts_12_to_17(age: float) -> None:
    protocol = "iv-ketamine-adolescent-research"
    assert screen(protocol, clean_facts(protocol, age_years=age)).verdict == "eligible"


def test_late_life_under_60_needs_an_override() -> None:
    protocol = "sc-ketamine-late-life"
    _check(protocol, clean_facts(protocol, age_years=59), "age.under_60", "requires_override")


def test_eating_disorders_research_flags_medical_instability() -> None:
    protocol = "eating-disorders-research"
    facts = clean_facts(protocol, diagnoses=["anorexia_nervosa"])
    _check(protocol, facts, "eating.medical_instability", "caution")


def test_every_reason_carries_the_contract_keys() -> None:
    facts = clean_facts(history=["intracerebral_hemorrhage"], bp_systolic=150)
    for reason in screen("iv-ketamine-trd", facts).as_json()["reasons"]:
        assert list(reason) == ["rule", "severity", "message", "source"]
        assert citations(reason["source"]) and not unknown_ids(reason["source"])
