"""An open medication list (`medications_unreviewed`: nobody confirmed it complete) is never
read as "takes nothing else" (HAZ-07): a class it does not list is missing information
naming the medication review, while a listed medication still decides its rule."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from ketamine_care.screening.checked import facts_in_words
from ketamine_care.screening.conditions import (
    MEDICATIONS_REVIEWED,
    Condition,
    Outcome,
    evaluate_condition,
)
from ketamine_care.screening.facts import FactsError, parse_facts
from ketamine_care.screening.labels import fact_words

from .factories import clean_facts, reason_map, screen
from .test_cli import _run, _write

_CONDITION = TypeAdapter(Condition)
TRD = "iv-ketamine-trd"
OPEN_EMPTY = {"medications": [], "medications_unreviewed": True}
# The rules that read the medication list in the TRD rule set.
TRD_MEDICATION_RULES = {
    "interaction.benzodiazepine_above_8mg_dze",
    "interaction.benzodiazepine_sedation",
    "interaction.cns_depressant",
    "interaction.lamotrigine",
    "interaction.maoi",
    "interaction.opioid_antagonist",
    "interaction.psychostimulant",
    "interaction.theophylline",
    "metabolic.thyroid_disease",
}


def _outcome(condition: dict[str, Any], facts: dict[str, Any]) -> Outcome:
    return evaluate_condition(_CONDITION.validate_python(condition), parse_facts(facts))


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # A listed medication of the class decides it, reviewed or not.
        ({"medications": [{"name": "phenelzine"}], "medications_unreviewed": True}, True),
        ({"medications": [{"name": "phenelzine"}]}, True),
        # None listed: "not taken" only when the list is complete.
        (OPEN_EMPTY, None),
        ({"medications": [{"name": "sertraline"}], "medications_unreviewed": True}, None),
        ({"medications": [], "medications_unreviewed": False}, False),
        ({"medications": []}, False),
    ],
)
def test_a_class_an_open_list_does_not_hold_is_unknown(facts, expected) -> None:
    outcome = _outcome({"med_class_any": ["maoi"]}, facts)
    assert outcome.value is expected
    assert outcome.missing == (frozenset({MEDICATIONS_REVIEWED}) if expected is None else set())


def test_a_missing_list_stays_missing_whatever_the_flag() -> None:
    outcome = _outcome({"med_class_any": ["maoi"]}, {"medications_unreviewed": True})
    assert outcome == Outcome(None, frozenset({"medications"}))


@pytest.mark.parametrize(
    ("medications", "expected"),
    [
        # A known total above the limit decides it: more unlisted ones only add.
        ([{"name": "alprazolam", "daily_dose_mg": 1}], Outcome(True)),
        # Under the limit, an unlisted benzodiazepine could still push it over.
        (
            [{"name": "alprazolam", "daily_dose_mg": 0.1}],
            Outcome(None, frozenset({"medications_reviewed"})),
        ),
        (
            [{"name": "midazolam", "class": "benzodiazepine"}],
            Outcome(
                None,
                frozenset(
                    {"medications[midazolam].diazepam_equivalent_mg", "medications_reviewed"}
                ),
            ),
        ),
    ],
)
def test_an_open_list_leaves_a_benzodiazepine_total_under_the_limit_undecided(
    medications, expected
) -> None:
    facts = {"medications": medications, "medications_unreviewed": True}
    assert _outcome({"benzodiazepine_dze_gt": 8}, facts) == expected
    closed = _outcome({"benzodiazepine_dze_gt": 8}, {"medications": medications})
    assert MEDICATIONS_REVIEWED not in closed.missing


def test_an_empty_unreviewed_list_is_not_eligible_and_names_the_review() -> None:
    result = screen(TRD, clean_facts(TRD, **OPEN_EMPTY))
    assert result.verdict == "requires_override"
    reasons = reason_map(result)
    assert set(reasons) == TRD_MEDICATION_RULES
    assert set(reasons.values()) == {"missing_information"}
    assert all(r.missing == (MEDICATIONS_REVIEWED,) for r in result.reasons)
    assert fact_words(MEDICATIONS_REVIEWED) == "medication review (confirm the list is complete)"
    # Reviewed, the same empty list is a complete statement: eligible, as before.
    assert screen(TRD, clean_facts(TRD, medications_unreviewed=False)).verdict == "eligible"
    assert screen(TRD, clean_facts(TRD)).verdict == "eligible"


def test_a_listed_maoi_or_benzodiazepine_decides_its_rule_unreviewed() -> None:
    medications = [{"name": "phenelzine"}, {"name": "lorazepam", "daily_dose_mg": 4}]
    result = screen(TRD, clean_facts(TRD, medications=medications, medications_unreviewed=True))
    reasons = reason_map(result)
    for rule in (
        "interaction.maoi",
        "interaction.benzodiazepine_sedation",
        "interaction.benzodiazepine_above_8mg_dze",  # lorazepam 4 mg = 40 mg diazepam
    ):
        assert reasons[rule] == "caution"
    assert reasons["interaction.theophylline"] == "missing_information"


def test_the_mdsi_antidepressant_rule_waits_for_the_review_but_a_listed_one_settles_it() -> None:
    mdsi = "esketamine-mdsi-label"
    none_listed = screen(mdsi, clean_facts(mdsi, **OPEN_EMPTY))
    assert reason_map(none_listed)["mdsi.no_oral_antidepressant"] == "missing_information"
    listed = screen(mdsi, clean_facts(mdsi, medications_unreviewed=True))
    assert "mdsi.no_oral_antidepressant" not in reason_map(listed)


@pytest.mark.parametrize("value", ["no", 0, 1, "true", []])
def test_a_non_boolean_flag_is_refused_naming_it(value) -> None:
    with pytest.raises(FactsError) as caught:
        parse_facts(clean_facts(TRD, medications_unreviewed=value))
    assert [p.split(":")[0] for p in caught.value.problems] == ["medications_unreviewed"]


@pytest.mark.parametrize(
    ("facts", "shown"),
    [
        ({"medications": [], "medications_unreviewed": True}, "No"),
        ({"medications": [], "medications_unreviewed": False}, "Yes"),
        ({"medications": []}, "Yes"),
        ({}, "Not recorded"),
    ],
)
def test_the_facts_in_words_say_whether_the_list_was_confirmed(facts, shown) -> None:
    assert dict(facts_in_words(facts))["Medication list confirmed complete"] == shown


class CliTests:
    def test_the_cli_takes_the_flag(self, tmp_path, capsys) -> None:
        path = _write(tmp_path, clean_facts(TRD, **OPEN_EMPTY))
        status, out, err = _run(capsys, "--protocol", TRD, "--facts", path)
        assert (status, err) == (0, "")
        assert "Verdict: requires_override" in out
        assert "medications_reviewed" in out
        path = _write(tmp_path, clean_facts(TRD, medications_unreviewed=False))
        assert "Verdict: eligible" in _run(capsys, "--protocol", TRD, "--facts", path)[1]

    def test_the_cli_refuses_a_non_boolean_naming_the_field(self, tmp_path, capsys) -> None:
        path = _write(tmp_path, clean_facts(TRD, medications_unreviewed="no"))
        status, out, err = _run(capsys, "--protocol", TRD, "--facts", path)
        assert (status, out) == (2, "")
        assert "medications_unreviewed:" in err

    def test_the_help_documents_the_flag(self, capsys) -> None:
        with pytest.raises(SystemExit):
            _run(capsys, "--help")
        assert "medications_unreviewed: true | false" in capsys.readouterr().out
