"""Screening conditions in words: table cases, every shipped rule, generated conditions."""

from __future__ import annotations

import re

from django.test import SimpleTestCase
from hypothesis import given, settings
from hypothesis import strategies as st

from ketamine_care.screening.describe import describe
from ketamine_care.screening.rule_set import list_rule_set_ids, load_rule_set
from ketamine_care.screening.vocabulary import (
    DIAGNOSES,
    HISTORY_ITEMS,
    MEDICATION_CLASSES,
    SUICIDE_RISKS,
)

# No braces, brackets of JSON, quotes or snake_case slugs: words only.
CODE_LIKE = re.compile(r"[{}\[\]\"]|\b[a-z0-9]+_[a-z0-9_]+\b")


class DescribeTableTests(SimpleTestCase):
    def test_conditions_read_as_the_prescriber_says_them(self):
        cases = [
            ({"bp_above": [140, 90]}, "systolic above 140 mmHg or diastolic above 90 mmHg"),
            (
                {"bp_at_least": [180.0, 110.0]},
                "systolic at or above 180 mmHg or diastolic at or above 110 mmHg",
            ),
            ({"has_history": "intracerebral_hemorrhage"}, "a history of intracerebral haemorrhage"),
            (
                {"has_diagnosis_any": ["mdd", "bipolar_ii"]},
                "a diagnosis of major depressive disorder or bipolar II disorder",
            ),
            ({"med_class_any": ["maoi", "ssri"]}, "taking MAO inhibitor or SSRI antidepressant"),
            ({"age_lt": 18}, "age under 18 years"),
            ({"age_ge": 65.0}, "age 65 years or over"),
            ({"failed_trials_lt": 2}, "fewer than 2 failed adequate antidepressant trials"),
            ({"suicide_risk_in": ["moderate", "high"]}, "suicide risk (C-SSRS) moderate or high"),
            (
                {"is_true": "pregnant", "not_needed_when": {"sex": "male"}},
                "pregnant (not asked when male patient)",
            ),
            (
                {"not": {"has_diagnosis_any": ["mdd"]}},
                "not a diagnosis of major depressive disorder",
            ),
            (
                {"all": [{"age_ge": 18}, {"any": [{"age_lt": 3}, {"has_history": "asthma"}]}]},
                "age 18 years or over and (age under 3 years or a history of asthma)",
            ),
            ({"unknown_fact": "some_value"}, "unknown fact: some value"),
        ]
        for condition, words in cases:
            with self.subTest(condition=condition):
                self.assertEqual(describe(condition), words)

    def test_every_shipped_rule_reads_without_codes(self):
        for rule_set_id in list_rule_set_ids():
            for rule in load_rule_set(rule_set_id).rules:
                text = describe(rule.condition.model_dump(by_alias=True, exclude_none=True))
                with self.subTest(rule=rule.id, text=text):
                    self.assertTrue(text)
                    self.assertIsNone(CODE_LIKE.search(text))


def _leaves():
    def many(words):
        return st.lists(st.sampled_from(words), min_size=1, max_size=3, unique=True)

    number = st.integers(1, 300) | st.floats(0.5, 300, allow_nan=False).map(lambda x: round(x, 1))
    return st.one_of(
        st.builds(lambda w: {"has_history": w}, st.sampled_from(HISTORY_ITEMS)),
        st.builds(lambda w: {"has_history_any": w}, many(HISTORY_ITEMS)),
        st.builds(lambda w: {"has_diagnosis_any": w}, many(DIAGNOSES)),
        st.builds(lambda w: {"med_class_any": w}, many(MEDICATION_CLASSES)),
        st.builds(lambda w: {"suicide_risk_in": w}, many(SUICIDE_RISKS)),
        st.builds(lambda k, v: {k: v}, st.sampled_from(["age_lt", "age_ge", "age_gt"]), number),
        st.builds(lambda s, d: {"bp_above": [s, d]}, number, number),
        st.builds(lambda s, d: {"bp_at_least": [s, d]}, number, number),
        st.builds(lambda v: {"failed_trials_lt": v}, st.integers(1, 5)),
        st.builds(lambda v: {"benzodiazepine_dze_gt": v}, number),
        st.just({"unclassified_diagnosis": True}),
        st.builds(
            lambda v: {"is_true": v},
            st.sampled_from(["pregnant", "breastfeeding", "inpatient_care_needed"]),
        ),
    )


CONDITIONS = st.recursive(
    _leaves(),
    lambda inner: st.one_of(
        st.builds(lambda parts: {"all": parts}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda parts: {"any": parts}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda part: {"not": part}, inner),
    ),
    max_leaves=8,
)


class DescribePropertyTests(SimpleTestCase):
    @settings(max_examples=300, deadline=None)
    @given(CONDITIONS)
    def test_no_generated_condition_shows_json_or_slugs(self, condition):
        text = describe(condition)
        self.assertTrue(text)
        self.assertIsNone(CODE_LIKE.search(text), text)
        self.assertEqual(text.count("("), text.count(")"))
