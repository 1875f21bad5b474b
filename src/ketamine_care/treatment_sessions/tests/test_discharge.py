"""Discharge readiness ([@spravato-uspi §2], [@chernik-1990], [@chung-1995])."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ketamine_care.treatment_sessions.alerts import ThresholdRule
from ketamine_care.treatment_sessions.discharge import (
    UNMET_CODES,
    DischargeCriteria,
    RecoveryScoreRule,
    evaluate_discharge,
)
from ketamine_care.treatment_sessions.readings import Reading

from .builders import DEFAULT_RULES, ESKETAMINE, IV, normal, rule


def esketamine_session(last_minute: float, **last: float | None) -> list[Reading]:
    """Pre-dose, 40-minute and final readings; BP at 40 min is 150/95 (test data)."""
    return [
        normal(-10),
        normal(40, bp_systolic=150, bp_diastolic=95),
        normal(last_minute, **{"bp_systolic": 135, "bp_diastolic": 85, **last}),
    ]


def unmet(readings: list[Reading], criteria: DischargeCriteria = ESKETAMINE, **kw) -> tuple:
    return evaluate_discharge(readings, DEFAULT_RULES, criteria, readings_only=True, **kw).unmet


class TestMinimumObservation:
    @pytest.mark.parametrize(("minute", "ready"), [(119, False), (119.9, False), (120, True)])
    def test_esketamine_needs_two_hours_from_the_first_device(
        self, minute: float, ready: bool
    ) -> None:
        result = evaluate_discharge(
            esketamine_session(minute), DEFAULT_RULES, ESKETAMINE, readings_only=True
        )
        assert result.ready is ready
        assert result.unmet == (() if ready else ("minimum_observation",))
        assert result.earliest_minute == 120

    def test_iv_observation_runs_from_the_end_of_the_infusion(self) -> None:
        assert IV.earliest_minute == 100
        assert unmet([normal(99)], IV) == ("minimum_observation",)
        assert unmet([normal(100)], IV) == ()

    def test_at_minute_overrides_the_latest_reading(self) -> None:
        assert unmet([normal(100)], IV, at_minute=90) == ("minimum_observation",)
        assert unmet([normal(60)], IV, at_minute=100) == ()

    @pytest.mark.parametrize(
        "criteria",
        [replace(IV, min_observation_min=None), replace(IV, observation_start_min=None)],
    )
    def test_an_unconfigured_observation_time_is_reported_not_guessed(
        self, criteria: DischargeCriteria
    ) -> None:
        result = evaluate_discharge([normal(500)], DEFAULT_RULES, criteria, readings_only=True)
        assert result.unmet == ("minimum_observation_not_configured",)
        assert result.earliest_minute is None

    def test_no_readings_at_all(self) -> None:
        assert unmet([], IV) == ("minimum_observation", "moaas_not_recorded", "bp_not_recorded")


class TestSedationAndBloodPressure:
    @pytest.mark.parametrize(("score", "expected"), [(4, ("moaas_not_5",)), (5, ())])
    def test_moaas_must_be_back_to_5(self, score: int, expected: tuple) -> None:
        # MOAA/S 4 raises no alert (only 0-3 do), so it is the only unmet criterion.
        assert unmet(esketamine_session(125, moaas=score)) == expected

    def test_the_latest_post_dose_moaas_counts_not_a_pre_dose_one(self) -> None:
        readings = [normal(-10), Reading(minute=130, bp_systolic=120, bp_diastolic=70)]
        assert unmet(readings, IV) == ("moaas_not_recorded",)

    @pytest.mark.parametrize(
        ("systolic", "expected"),
        [(136, ("bp_not_falling",)), (150, ("bp_not_falling",)), (149, ())],
    )
    def test_esketamine_bp_must_fall_from_its_40_minute_value(
        self, systolic: float, expected: tuple
    ) -> None:
        readings = esketamine_session(125, bp_systolic=systolic, bp_diastolic=95)
        readings[1] = normal(40, bp_systolic=150, bp_diastolic=95)
        if systolic == 136:
            readings[-1] = normal(125, bp_systolic=136, bp_diastolic=96)  # diastolic rose
        assert unmet(readings) == expected

    def test_the_40_minute_value_is_the_first_bp_at_or_after_minute_40(self) -> None:
        readings = [normal(30, bp_systolic=170), normal(45, bp_systolic=140), normal(120)]
        assert unmet(readings) == ()
        readings = [normal(30, bp_systolic=170), normal(45, bp_systolic=110), normal(120)]
        assert unmet(readings) == ("bp_not_falling",)

    def test_a_missing_40_minute_value_is_reported(self) -> None:
        assert unmet([normal(30), normal(39), normal(120)]) == ("bp_40_min_missing",)

    def test_the_latest_reading_cannot_be_its_own_40_minute_value(self) -> None:
        assert unmet([normal(10), normal(120)]) == ("bp_40_min_missing",)

    def test_a_clinic_set_safe_level_satisfies_the_bp_criterion(self) -> None:
        criteria = replace(ESKETAMINE, safe_bp_systolic_max=130, safe_bp_diastolic_max=85)
        readings = [normal(45, bp_systolic=120, bp_diastolic=70), normal(120)]
        assert unmet(readings, criteria) == ()
        assert unmet(readings) == ("bp_not_falling",)

    def test_iv_protocols_do_not_ask_for_a_falling_bp(self) -> None:
        assert unmet([normal(45, bp_systolic=110), normal(100)], IV) == ()

    @pytest.mark.parametrize(
        ("systolic", "diastolic", "expected"),
        [
            (180, 110, ()),
            (181, 100, ("bp_above_urgent", "urgent_alert_unacknowledged")),
            (170, 111, ("bp_above_urgent", "urgent_alert_unacknowledged")),
        ],
    )
    def test_bp_must_be_below_the_urgent_thresholds(
        self, systolic: float, diastolic: float, expected: tuple
    ) -> None:
        readings = [normal(90, bp_systolic=systolic, bp_diastolic=diastolic)] * 2
        readings[0] = replace(readings[0], minute=80)
        assert unmet(readings, IV, at_minute=100) == expected

    def test_without_bp_criteria_bp_is_not_required(self) -> None:
        criteria = replace(IV, require_bp_below_urgent=False)
        assert unmet([normal(100, bp_systolic=None, bp_diastolic=None)], criteria) == ()


class TestUrgentAlerts:
    readings = [normal(30, spo2=90), normal(120)]

    def test_an_urgent_alert_blocks_discharge_even_after_it_resolved(self) -> None:
        assert unmet(self.readings, IV) == ("urgent_alert_unacknowledged",)

    def test_an_acknowledged_urgent_alert_does_not_block(self) -> None:
        assert unmet(self.readings, IV, acknowledged=[("spo2_low", 30)]) == ()

    def test_warnings_do_not_block(self) -> None:
        assert unmet([normal(30, moaas=3), normal(120)], IV) == ()


class TestCriteriaBeyondVitals:
    def test_readings_only_lists_what_it_cannot_see(self) -> None:
        criteria = replace(IV, cadss_threshold=4, recovery_score=RecoveryScoreRule("aldrete", 9))
        result = evaluate_discharge([normal(120)], DEFAULT_RULES, criteria, readings_only=True)
        assert result.ready is True
        assert result.not_evaluated == ("escort", "dissociation", "aldrete")

    def test_the_full_evaluation_reports_missing_inputs_as_unmet(self) -> None:
        criteria = replace(IV, cadss_threshold=4, recovery_score=RecoveryScoreRule("aldrete", 9))
        result = evaluate_discharge([normal(120)], DEFAULT_RULES, criteria)
        assert result.unmet == (
            "escort_not_confirmed",
            "dissociation_not_assessed",
            "recovery_score_not_recorded",
        )

    @pytest.mark.parametrize(
        ("inputs", "expected"),
        [
            ({"escort_present": True, "cadss_total": 4, "recovery_score": 9}, ()),
            ({"escort_present": False, "cadss_total": 4, "recovery_score": 9},
             ("escort_not_confirmed",)),
            ({"escort_present": True, "cadss_total": 5, "recovery_score": 9},
             ("dissociation_not_resolved",)),
            ({"escort_present": True, "cadss_total": 0, "recovery_score": 8},
             ("recovery_score_below_threshold",)),
        ],
    )  # fmt: skip
    def test_each_clinician_input(self, inputs: dict, expected: tuple) -> None:
        criteria = replace(IV, cadss_threshold=4, recovery_score=RecoveryScoreRule("padss", 9))
        assert (
            evaluate_discharge([normal(120)], DEFAULT_RULES, criteria, **inputs).unmet == expected
        )

    def test_without_a_cadss_threshold_dissociation_is_left_to_the_clinician(self) -> None:
        result = evaluate_discharge([normal(120)], DEFAULT_RULES, IV, escort_present=True)
        assert (result.ready, result.not_evaluated) == (True, ("dissociation",))

    def test_escort_is_skipped_when_the_protocol_does_not_require_it(self) -> None:
        criteria = replace(IV, escort_required=False)
        assert evaluate_discharge([normal(120)], DEFAULT_RULES, criteria).unmet == ()


def test_unmet_codes_come_in_the_documented_order() -> None:
    criteria = replace(ESKETAMINE, cadss_threshold=4, recovery_score=RecoveryScoreRule("padss", 9))
    readings = [normal(45, bp_systolic=150), normal(100, bp_systolic=190, moaas=4, spo2=90)]
    result = evaluate_discharge(readings, DEFAULT_RULES, criteria, cadss_total=10, recovery_score=3)
    assert list(result.unmet) == sorted(result.unmet, key=UNMET_CODES.index)
    assert set(result.unmet) == {
        "minimum_observation",
        "moaas_not_5",
        "bp_above_urgent",
        "bp_not_falling",
        "urgent_alert_unacknowledged",
        "escort_not_confirmed",
        "dissociation_not_resolved",
        "recovery_score_below_threshold",
    }


def _urgent(rule_id: str, conditions: list, *, match: str = "any", **kw) -> ThresholdRule:
    return replace(rule(rule_id, "post_dose", conditions, "urgent"), match=match, **kw)


# Test data: a clinic's rules of each shape. The lines echo the protocol library's (MAP 65,
# heart rate 120, SpO2 92, systolic 90); the shapes are what these tests are about.
SHOCK = _urgent("shock", [("map", "lt", 65), ("heart_rate", "gt", 120)], match="all")
HYPOXIC_BRADY = _urgent("brady", [("heart_rate", "lt", 50), ("spo2", "lt", 92)], match="all")
LOW_SPO2_OR_SBP = _urgent("low", [("spo2", "lt", 92), ("bp_systolic", "lt", 90)])
HIGH_WITH_SYMPTOMS = _urgent(
    "symptoms", [("bp_systolic", "gt", 140), ("bp_diastolic", "gt", 90)], with_symptoms=True
)
SEVERE = _urgent("severe", [("bp_systolic", "gt", 180), ("bp_diastolic", "gt", 110)])
REVIEW = rule("review", "post_dose", [("bp_systolic", "gt", 160)], "warning")
PRE_DOSE_HOLD = rule("hold", "pre_dose", [("bp_systolic", "ge", 150)], "urgent")


class TestUrgentBpAtDischarge:
    """`bp_above_urgent`: the latest post-dose BP against every urgent post-dose BP line,
    whatever its timing; warning lines and pre-dose lines do not block discharge."""

    @staticmethod
    def blocked(rules: list[ThresholdRule], **latest: object) -> bool:
        readings = [Reading(minute=60, **latest)]  # type: ignore[arg-type]
        result = evaluate_discharge(readings, rules, IV, alerts=[], readings_only=True)
        return "bp_above_urgent" in result.unmet

    @pytest.mark.parametrize(
        ("latest", "blocked"),
        [
            # Both measures present: met only when both conditions are met.
            ({"bp_systolic": 80, "bp_diastolic": 50, "heart_rate": 130}, True),
            ({"bp_systolic": 80, "bp_diastolic": 50, "heart_rate": 90}, False),
            ({"bp_systolic": 120, "bp_diastolic": 80, "heart_rate": 130}, False),
            # Fail-safe: the heart rate is not on this reading, so it cannot show the rule
            # is not met; a present condition not met settles it.
            ({"bp_systolic": 80, "bp_diastolic": 50}, True),
            ({"bp_systolic": 120, "bp_diastolic": 80}, False),
        ],
    )
    def test_a_rule_of_joined_conditions_on_blood_pressure(
        self, latest: dict, blocked: bool
    ) -> None:
        assert self.blocked([SHOCK], **latest) is blocked

    def test_a_rule_of_joined_conditions_without_blood_pressure_is_not_a_bp_line(self) -> None:
        latest = {"bp_systolic": 120, "bp_diastolic": 80, "heart_rate": 40, "spo2": 85}
        assert self.blocked([HYPOXIC_BRADY], **latest) is False

    def test_only_the_blood_pressure_part_of_an_either_or_rule_counts(self) -> None:
        assert self.blocked([LOW_SPO2_OR_SBP], bp_systolic=120, bp_diastolic=80, spo2=85) is False
        assert self.blocked([LOW_SPO2_OR_SBP], bp_systolic=85, bp_diastolic=60, spo2=98) is True

    def test_a_symptom_rule_counts_only_with_a_symptom(self) -> None:
        high = {"bp_systolic": 150, "bp_diastolic": 95}
        assert self.blocked([HIGH_WITH_SYMPTOMS], **high, symptoms=("severe_headache",)) is True
        assert self.blocked([HIGH_WITH_SYMPTOMS], **high) is False

    def test_a_symptom_rule_without_a_symptom_does_not_stop_the_check_of_later_rules(self) -> None:
        # The with-symptoms rule comes first, as in the protocol library: the severe line after
        # it must still be checked when the patient reports no symptom.
        rules = [HIGH_WITH_SYMPTOMS, SHOCK, SEVERE]
        assert self.blocked(rules, bp_systolic=190, bp_diastolic=100, heart_rate=80) is True

    def test_the_latest_reading_with_either_pressure_is_judged(self) -> None:
        # A systolic alone is a blood pressure; a heart-rate-only reading is not.
        readings = [
            Reading(minute=50, bp_systolic=120, bp_diastolic=80),
            Reading(minute=55, bp_systolic=190),
            Reading(minute=60, heart_rate=80),
        ]
        result = evaluate_discharge(readings, [SEVERE], IV, alerts=[], readings_only=True)
        assert "bp_above_urgent" in result.unmet

    def test_warning_and_pre_dose_lines_do_not_block(self) -> None:
        latest = {"bp_systolic": 170, "bp_diastolic": 90}
        assert self.blocked([REVIEW, PRE_DOSE_HOLD, SEVERE], **latest) is False
        assert self.blocked([REVIEW, PRE_DOSE_HOLD, SEVERE], bp_systolic=185) is True

    def test_a_clinic_safe_level_is_met_at_the_level_itself(self) -> None:
        criteria = replace(ESKETAMINE, safe_bp_systolic_max=130, safe_bp_diastolic_max=85)
        readings = [normal(45, bp_systolic=120, bp_diastolic=70), normal(120, bp_systolic=130)]
        assert unmet(readings, criteria) == ()
        readings[1] = normal(120, bp_systolic=131)
        assert unmet(readings, criteria) == ("bp_not_falling",)
