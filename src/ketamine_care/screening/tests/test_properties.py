"""Hypothesis properties of the evaluator: safety, order independence and monotonicity."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from ketamine_care.screening.evaluator import SEVERITY_ORDER
from ketamine_care.screening.vocabulary import (
    DIAGNOSES,
    HISTORY_ITEMS,
    MEDICATION_CLASSES,
    SUICIDE_RISKS,
)

from .factories import ALL_PROTOCOLS, PSYCHIATRIC, screen

VERDICT_RANK = {"eligible": 0, "eligible_with_cautions": 1, "requires_override": 2, "ineligible": 3}
ABSOLUTE_HISTORY = [
    "aneurysmal_vascular_disease",
    "arteriovenous_malformation",
    "intracerebral_hemorrhage",
    "ketamine_hypersensitivity",
]
ABSOLUTE_DIAGNOSES = [
    "schizophrenia",
    "schizoaffective",
    "other_psychotic_disorder",
    "mdd_psychotic_features",
    "bipolar_psychotic_features",
    "current_mania",
]
# Mapped, remission, substance-induced psychosis, unclassified, and non-psychiatric codes.
ICD10_CODES = ["F33.1", "F11.20", "F10.21", "F12.259", "F31.5", "F31.4", "F17.210", "I10"]

medication = st.fixed_dictionaries(
    {
        "name": st.sampled_from(
            ["x", "lorazepam", "aminophylline", "sertraline", "lithium", "naltrexone", "zolpidem"]
        ),
        "class": st.sampled_from(MEDICATION_CLASSES),
    },
    optional={"daily_dose_mg": st.floats(0, 100), "diazepam_equivalent_mg": st.floats(0, 40)},
)
facts_strategy = st.fixed_dictionaries(
    {},
    optional={
        "age_years": st.floats(0, 100) | st.none(),
        "sex": st.sampled_from(["female", "male"]) | st.none(),
        "pregnant": st.booleans() | st.none(),
        "breastfeeding": st.booleans() | st.none(),
        "bp_systolic": st.integers(80, 220) | st.none(),
        "bp_diastolic": st.integers(40, 130) | st.none(),
        "diagnoses": st.lists(st.sampled_from(DIAGNOSES), max_size=5) | st.none(),
        "history": st.lists(st.sampled_from(HISTORY_ITEMS), max_size=5) | st.none(),
        "failed_antidepressant_trials": st.integers(0, 6) | st.none(),
        "medications": st.lists(medication, max_size=4) | st.none(),
        "medications_unreviewed": st.booleans() | st.none(),
        "suicide_risk": st.sampled_from(SUICIDE_RISKS) | st.none(),
        "inpatient_care_needed": st.booleans() | st.none(),
        "icd10_codes": st.lists(st.sampled_from(ICD10_CODES), max_size=3) | st.none(),
    },
).filter(lambda f: _consistent(f))


def _consistent(facts: dict[str, Any]) -> bool:
    """Contradictory facts are refused (exit 2), so the properties draw consistent ones."""
    if facts.get("sex") == "male" and facts.get("pregnant"):
        return False
    systolic, diastolic = facts.get("bp_systolic"), facts.get("bp_diastolic")
    return systolic is None or diastolic is None or diastolic < systolic


# An adult in the emergency department with nothing recorded but an empty history and
# medication list: the diagnoses are not recorded.
_ED_UNKNOWN_DIAGNOSES: dict[str, Any] = {"age_years": 18.0, "history": [], "medications": []}


def _with(facts: dict[str, Any], key: str, word: str) -> dict[str, Any]:
    return {**facts, key: [*(facts.get(key) or []), word]}


@settings(max_examples=150, deadline=None)
@given(facts_strategy, st.sampled_from(ALL_PROTOCOLS), st.sampled_from(ABSOLUTE_HISTORY))
def test_never_eligible_with_an_absolute_contraindication(facts, protocol, item) -> None:
    result = screen(protocol, _with(facts, "history", item))
    assert result.verdict not in ("eligible", "eligible_with_cautions")
    if protocol in PSYCHIATRIC or item == "ketamine_hypersensitivity":
        assert result.verdict == "ineligible"


@settings(max_examples=150, deadline=None)
@given(facts_strategy, st.sampled_from(PSYCHIATRIC), st.sampled_from(ABSOLUTE_DIAGNOSES))
def test_psychosis_and_mania_are_ineligible_for_psychiatric_protocols(
    facts, protocol, word
) -> None:
    assert screen(protocol, _with(facts, "diagnoses", word)).verdict == "ineligible"


@settings(max_examples=200, deadline=None)
@given(facts_strategy, st.sampled_from(ALL_PROTOCOLS), st.randoms(use_true_random=False))
def test_the_order_of_facts_does_not_change_the_result(facts, protocol, rnd) -> None:
    shuffled: dict[str, Any] = {}
    keys = list(facts)
    rnd.shuffle(keys)
    for key in keys:
        value = facts[key]
        if isinstance(value, list):
            value = list(value)
            rnd.shuffle(value)
        shuffled[key] = value
    assert screen(protocol, shuffled) == screen(protocol, facts)


@settings(max_examples=200, deadline=None)
@given(
    facts_strategy,
    st.sampled_from(ALL_PROTOCOLS),
    st.sampled_from(ABSOLUTE_HISTORY + list(HISTORY_ITEMS)),
)
def test_adding_a_history_item_never_improves_the_verdict(facts, protocol, item) -> None:
    # Compared with a known history: turning an unknown list into a known one may improve it.
    facts = {**facts, "history": facts.get("history") or []}
    before = screen(protocol, facts)
    after = screen(protocol, _with(facts, "history", item))
    assert VERDICT_RANK[after.verdict] >= VERDICT_RANK[before.verdict]


@settings(max_examples=200, deadline=None)
@given(facts_strategy, st.sampled_from(ALL_PROTOCOLS), st.sampled_from(DIAGNOSES))
def test_adding_a_diagnosis_never_improves_the_verdict(facts, protocol, word) -> None:
    facts = {**facts, "diagnoses": facts.get("diagnoses") or []}
    before = screen(protocol, facts)
    after = screen(protocol, _with(facts, "diagnoses", word))
    assert VERDICT_RANK[after.verdict] >= VERDICT_RANK[before.verdict]


@settings(max_examples=150, deadline=None)
@given(facts_strategy, st.sampled_from(ALL_PROTOCOLS))
def test_missing_information_is_never_eligible(facts, protocol) -> None:
    result = screen(protocol, facts)
    if any(r.severity == "missing_information" for r in result.reasons):
        assert VERDICT_RANK[result.verdict] >= VERDICT_RANK["requires_override"]
    ranks = [SEVERITY_ORDER.index(r.severity) for r in result.reasons]
    assert ranks == sorted(ranks)


def _rank(protocol: str, facts: dict[str, Any]) -> int:
    return VERDICT_RANK[screen(protocol, facts).verdict]


@settings(max_examples=200, deadline=None)
@given(facts_strategy, st.sampled_from(ALL_PROTOCOLS), st.sampled_from(SUICIDE_RISKS))
def test_a_higher_suicide_risk_never_improves_the_verdict(facts, protocol, risk) -> None:
    known = {**facts, "suicide_risk": SUICIDE_RISKS[0]}
    assert _rank(protocol, {**known, "suicide_risk": risk}) >= _rank(protocol, known)
    higher = SUICIDE_RISKS[SUICIDE_RISKS.index(risk) :]
    for level in higher:
        assert _rank(protocol, {**facts, "suicide_risk": level}) >= _rank(
            protocol, {**facts, "suicide_risk": risk}
        )


@settings(max_examples=150, deadline=None)
@given(facts_strategy, st.sampled_from(ALL_PROTOCOLS))
def test_needing_inpatient_care_never_improves_the_verdict(facts, protocol) -> None:
    before = _rank(protocol, {**facts, "inpatient_care_needed": False})
    assert _rank(protocol, {**facts, "inpatient_care_needed": True}) >= before


@settings(max_examples=200, deadline=None)
@given(
    facts_strategy,
    st.sampled_from(ALL_PROTOCOLS),
    st.integers(0, 80),
    st.integers(0, 40),
)
def test_a_higher_blood_pressure_never_improves_the_verdict(facts, protocol, up_s, up_d) -> None:
    facts = {**facts, "bp_systolic": facts.get("bp_systolic") or 120}
    facts["bp_diastolic"] = min(facts.get("bp_diastolic") or 75, facts["bp_systolic"] - 1)
    raised = {**facts, "bp_systolic": facts["bp_systolic"] + up_s}
    raised["bp_diastolic"] = min(facts["bp_diastolic"] + up_d, raised["bp_systolic"] - 1)
    assert _rank(protocol, raised) >= _rank(protocol, facts)


@settings(max_examples=200, deadline=None)
@given(facts_strategy, st.sampled_from(ALL_PROTOCOLS), st.sampled_from(ICD10_CODES))
@example(_ED_UNKNOWN_DIAGNOSES, "ed-severe-agitation", "F12.259")
def test_adding_a_diagnosis_code_never_improves_the_verdict(facts, protocol, code) -> None:
    # Over a complete list of diagnoses a code only adds.
    known = {**facts, "diagnoses": facts.get("diagnoses") or []}
    assert _rank(protocol, _with(known, "icd10_codes", code)) >= _rank(protocol, known)
    # With the diagnoses not recorded, a code may settle a rule that was missing information
    # (which asks for an override) at its own severity, but never gives a better verdict than
    # a patient recorded with no diagnosis at all.
    assert _rank(protocol, _with(facts, "icd10_codes", code)) >= _rank(protocol, known)


def test_a_code_settles_a_caution_that_missing_diagnoses_held_at_override() -> None:
    unknown = screen("ed-severe-agitation", _ED_UNKNOWN_DIAGNOSES)
    assert unknown.verdict == "requires_override"
    assert [(r.rule, r.severity) for r in unknown.reasons] == [
        ("ed.psychotic_disorder", "missing_information")
    ]
    coded = screen("ed-severe-agitation", _with(_ED_UNKNOWN_DIAGNOSES, "icd10_codes", "F12.259"))
    assert coded.verdict == "eligible_with_cautions"
    assert [(r.rule, r.severity) for r in coded.reasons] == [("ed.psychotic_disorder", "caution")]
    none = screen("ed-severe-agitation", {**_ED_UNKNOWN_DIAGNOSES, "diagnoses": []})
    assert none.verdict == "eligible"


@settings(max_examples=200, deadline=None)
@given(
    facts_strategy,
    st.sampled_from(ALL_PROTOCOLS),
    st.sampled_from(["naltrexone", "lorazepam", "zolpidem", "aminophylline", "methylphenidate"]),
    st.floats(0, 40),
    st.booleans(),
)
def test_adding_a_risk_medication_never_improves_the_verdict(
    facts, protocol, name, dose, unreviewed
) -> None:
    # Antidepressants and mood stabilizers are left out: the MDSI and bipolar rules ask for them.
    # A list reviewed or not (HAZ-07): a medication added to an open list settles its rule at
    # its own severity, never better than the review it was waiting for.
    facts = {
        **facts,
        "medications": facts.get("medications") or [],
        "medications_unreviewed": unreviewed,
    }
    added = {"name": name, "daily_dose_mg": dose}
    assert _rank(protocol, _with(facts, "medications", added)) >= _rank(protocol, facts)


@settings(max_examples=200, deadline=None)
@given(facts_strategy, st.sampled_from(ALL_PROTOCOLS))
def test_an_unreviewed_medication_list_is_never_more_permissive_than_reviewed(facts, protocol):
    # The same listed medications, confirmed complete or not (HAZ-07).
    facts = {**facts, "medications": facts.get("medications") or []}
    reviewed = _rank(protocol, {**facts, "medications_unreviewed": False})
    assert _rank(protocol, {**facts, "medications_unreviewed": True}) >= reviewed


@settings(max_examples=150, deadline=None)
@given(facts_strategy, st.sampled_from(ALL_PROTOCOLS), st.floats(0, 20), st.floats(0, 20))
def test_a_higher_benzodiazepine_dose_never_improves_the_verdict(facts, protocol, dose, more):
    meds = facts.get("medications") or []
    low = {**facts, "medications": [*meds, {"name": "alprazolam", "daily_dose_mg": dose}]}
    high = {**facts, "medications": [*meds, {"name": "alprazolam", "daily_dose_mg": dose + more}]}
    assert _rank(protocol, high) >= _rank(protocol, low)
