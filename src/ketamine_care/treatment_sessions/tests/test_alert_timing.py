"""Phases, sustained timing and de-duplication of alerts (see alerts.py docstring)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from ketamine_care.treatment_sessions.alerts import (
    Alert,
    Condition,
    ThresholdRule,
    evaluate_alerts,
    unacknowledged,
)
from ketamine_care.treatment_sessions.readings import Reading

from .builders import DEFAULT_RULES, normal, rule


def minutes(readings: list[Reading], rule_id: str, **kwargs: bool) -> list[float]:
    alerts = evaluate_alerts(readings, DEFAULT_RULES, **kwargs)
    return [a.minute for a in alerts if a.rule == rule_id]


class TestRepeatedRule:
    def test_a_normal_reading_between_two_breaches_does_not_cancel_the_pair(self) -> None:
        readings = [normal(10, bp_systolic=185), normal(12), normal(15, bp_systolic=185)]
        assert minutes(readings, "bp_severe_repeated") == [15]

    def test_it_alerts_once_per_episode(self) -> None:
        readings = [normal(m, bp_systolic=185) for m in (10, 15, 20, 25)]
        assert minutes(readings, "bp_severe_repeated") == [15]

    def test_a_normal_reading_after_the_alert_ends_the_episode(self) -> None:
        readings = [normal(m, bp_systolic=185) for m in (10, 15, 35, 38, 40)] + [normal(30)]
        assert minutes(readings, "bp_severe_repeated") == [15, 40]

    def test_a_new_episode_cannot_pair_with_a_reading_from_before_the_reset(self) -> None:
        readings = [normal(10, bp_systolic=185), normal(15, bp_systolic=185), normal(20)]
        readings.append(normal(22, bp_systolic=185))
        assert minutes(readings, "bp_severe_repeated") == [15]

    def test_systolic_and_diastolic_breaches_pair_with_each_other(self) -> None:
        readings = [normal(10, bp_systolic=185), normal(15, bp_systolic=150, bp_diastolic=115)]
        assert minutes(readings, "bp_severe_repeated") == [15]

    def test_pre_dose_readings_do_not_count_for_post_dose_rules(self) -> None:
        readings = [normal(-3, bp_systolic=185), normal(3, bp_systolic=185)]
        assert minutes(readings, "bp_severe_repeated") == []


class TestContinuousRule:
    def test_a_normal_reading_restarts_the_clock(self) -> None:
        readings = [normal(10, heart_rate=130), normal(12), normal(15, heart_rate=130)]
        assert minutes(readings, "hr_sustained_high") == []

    def test_every_reading_in_the_span_breaching_alerts_at_the_first_reading_past_it(self) -> None:
        readings = [normal(m, heart_rate=130) for m in (10, 12, 14, 16, 18)]
        assert minutes(readings, "hr_sustained_high") == [16]

    def test_a_second_run_alerts_again(self) -> None:
        readings = [normal(m, heart_rate=130) for m in (10, 15, 25, 30)] + [normal(20)]
        assert minutes(readings, "hr_sustained_high") == [15, 30]

    def test_readings_without_the_measure_neither_breach_nor_reset(self) -> None:
        readings = [
            normal(10, heart_rate=130),
            Reading(minute=12, bp_systolic=120, bp_diastolic=70),
            normal(15, heart_rate=130),
        ]
        assert minutes(readings, "hr_sustained_high") == [15]


class TestImmediateRule:
    def test_it_alerts_once_while_the_breach_lasts(self) -> None:
        readings = [normal(m, spo2=90) for m in (10, 11, 12)]
        assert minutes(readings, "spo2_low") == [10]

    def test_it_alerts_again_after_recovery(self) -> None:
        readings = [normal(10, spo2=90), normal(11, spo2=97), normal(12, spo2=89)]
        assert minutes(readings, "spo2_low") == [10, 12]

    def test_a_reading_without_spo2_does_not_end_the_episode(self) -> None:
        readings = [normal(10, spo2=90), normal(11, spo2=None), normal(12, spo2=89)]
        assert minutes(readings, "spo2_low") == [10]

    def test_same_minute_readings_give_one_alert(self) -> None:
        readings = [normal(10, spo2=90), normal(10, spo2=97), normal(10, spo2=89)]
        assert minutes(readings, "spo2_low") == [10]


class TestPhases:
    @pytest.mark.parametrize(("minute", "expected"), [(-0.5, [-0.5]), (0, [0]), (0.5, []), (5, [])])
    def test_pre_dose_rule_applies_at_or_before_minute_zero(
        self, minute: float, expected: list
    ) -> None:
        """A baseline charted at minute 0, before the dose starts, is pre-dose."""
        assert minutes([normal(minute, bp_systolic=150)], "bp_pre_dose_review") == expected

    def test_before_dosing_starts_every_reading_is_pre_dose(self) -> None:
        readings = [normal(10, bp_systolic=150, moaas=2)]
        assert minutes(readings, "bp_pre_dose_review", dosing_started=False) == [10]
        assert minutes(readings, "moaas_sedated", dosing_started=False) == []


class TestAlertList:
    def test_it_is_sorted_by_minute_then_rule(self) -> None:
        readings = [normal(30, spo2=90, respiratory_rate=8), normal(-5, bp_systolic=150)]
        alerts = evaluate_alerts(readings, DEFAULT_RULES)
        assert [(a.minute, a.rule) for a in alerts] == [
            (-5, "bp_pre_dose_review"),
            (30, "rr_low"),
            (30, "spo2_low"),
        ]

    def test_an_alert_carries_the_rule_wording_and_the_values_that_breached(self) -> None:
        (alert,) = evaluate_alerts([normal(20, bp_systolic=150, bp_diastolic=125)], DEFAULT_RULES)
        assert alert.to_dict() == {
            "minute": 20,
            "tier": "urgent",
            "rule": "bp_severe_single",
            "message": "bp_severe_single message",
            "action": "bp_severe_single action",
            "source": "Test threshold [@yip-2022]",
        }
        assert alert.observed == (("bp_diastolic", 125),)
        assert alert.key == ("bp_severe_single", 20)

    def test_fractional_minutes_stay_fractional_in_json(self) -> None:
        (alert,) = evaluate_alerts([normal(12.5, spo2=90)], DEFAULT_RULES)
        assert alert.to_dict()["minute"] == 12.5

    def test_whole_minutes_are_json_integers(self) -> None:
        (alert,) = evaluate_alerts([normal(20.0, spo2=90)], DEFAULT_RULES)
        assert json.dumps(alert.to_dict()["minute"]) == "20"

    def test_an_alert_carries_the_rules_evidence_and_whether_the_clinic_may_edit_it(self) -> None:
        locked = replace(DEFAULT_RULES[4], evidence="INSTITUTIONAL", editable=False)
        (alert,) = evaluate_alerts([normal(20, spo2=90)], [locked])
        assert (alert.evidence, alert.editable) == ("INSTITUTIONAL", False)

    def test_it_refuses_duplicate_rule_ids(self) -> None:
        with pytest.raises(ValueError, match="duplicate rule ids: spo2_low"):
            evaluate_alerts([], [*DEFAULT_RULES, DEFAULT_RULES[4]])

    def test_unacknowledged_filters_by_tier_and_key(self) -> None:
        alerts = evaluate_alerts(
            [normal(10, spo2=90), normal(20, moaas=2), normal(30, respiratory_rate=8)],
            DEFAULT_RULES,
        )
        left = unacknowledged(alerts, [("spo2_low", 10), ("rr_low", 31)])
        assert [a.key for a in left] == [("rr_low", 30)]
        assert all(isinstance(a, Alert) for a in left)


class TestRuleValidation:
    @pytest.mark.parametrize(
        ("kwargs", "problem"),
        [
            ({"phase": "during"}, "phase 'during'"),
            ({"tier": "critical"}, "tier 'critical'"),
            ({"sustained_mode": "rolling"}, "sustained_mode"),
            ({"conditions": ()}, "no conditions"),
            ({"sustained_min": -1}, "negative sustained_min"),
            ({"rule": ""}, "non-empty"),
        ],
    )
    def test_it_refuses_bad_rules(self, kwargs: dict, problem: str) -> None:
        base = dict(
            rule="r",
            phase="any",
            conditions=(Condition("spo2", "lt", 92),),
            tier="urgent",
            message="m",
            action="a",
            source="s",
        )
        with pytest.raises(ValueError, match=problem):
            ThresholdRule(**{**base, **kwargs})

    @pytest.mark.parametrize(
        ("measure", "comparison", "value", "problem"),
        [
            ("temperature", "gt", 38, "unknown measure"),
            ("spo2", "eq", 92, "unknown comparison"),
            ("moaas", "in", (), "non-empty list"),
            ("moaas", "in", 1, "non-empty list"),
            ("spo2", "lt", "92", "needs a number"),
            ("spo2", "lt", True, "needs a number"),
        ],
    )
    def test_it_refuses_bad_conditions(
        self, measure: str, comparison: str, value: object, problem: str
    ) -> None:
        with pytest.raises(ValueError, match=problem):
            Condition(measure, comparison, value)  # type: ignore[arg-type]

    def test_a_sustained_time_of_zero_is_an_immediate_rule(self) -> None:
        immediate = rule("spo2_now", "any", [("spo2", "lt", 92)], "urgent", sustained_min=0)
        assert [a.minute for a in evaluate_alerts([normal(3, spo2=90)], [immediate])] == [3]

    def test_an_unknown_measure_names_the_measures_a_rule_may_use(self) -> None:
        with pytest.raises(ValueError) as caught:
            Condition("temperature", "gt", 38)
        assert str(caught.value) == (
            "unknown measure 'temperature' (allowed: bp_systolic, bp_diastolic, heart_rate, "
            "spo2, respiratory_rate, moaas, map)"
        )

    def test_ge_and_le_comparisons_include_the_limit(self) -> None:
        high = rule("hr_ge", "any", [("heart_rate", "ge", 100)], "info")
        low = rule("spo2_le", "any", [("spo2", "le", 94)], "info")
        found = evaluate_alerts([normal(1, heart_rate=100, spo2=94)], [high, low])
        assert [a.rule for a in found] == ["hr_ge", "spo2_le"]


class TestSuperseded:
    REVIEW = rule(
        "review",
        "pre_dose",
        [("bp_systolic", "gt", 140)],
        "warning",
    )
    HOLD = rule("hold", "pre_dose", [("bp_systolic", "ge", 180)], "urgent")

    def test_a_reading_breaching_the_stronger_rule_is_ignored_by_the_weaker(self) -> None:
        review = replace(self.REVIEW, superseded_by=("hold",))
        readings = [normal(-20, bp_systolic=185), normal(-15, bp_systolic=150)]
        found = evaluate_alerts(readings, (review, self.HOLD))
        assert [(a.minute, a.rule) for a in found] == [(-20, "hold"), (-15, "review")]

    def test_an_unknown_superseding_rule_is_refused(self) -> None:
        with pytest.raises(ValueError, match="unknown rules: nope"):
            evaluate_alerts([], (replace(self.REVIEW, superseded_by=("nope",)),))
