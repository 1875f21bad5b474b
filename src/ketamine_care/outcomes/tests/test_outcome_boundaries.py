"""Outcome rules at their edges: exactly 50 % better, a rating exactly at a window's tolerance
or at the moment of treatment, a clinic's edits, an instrument without a response rule.
Thresholds are the shipped defaults (defaults.json: MADRS response >= 50 % [@reif-2023],
remission <= 10 [@reif-2023]; early-response windows 4 h +/- 1 h, 24 h +/- 6 h, day 7 +/- 1 day
[@luckenbaugh-2014] [@ketamine-care-defaults]; SUSTAIN-1 relapse [@daly-2019])."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from ketamine_care.outcomes.relapse import RelapseEvent
from ketamine_care.outcomes.rules import (
    EarlyResponseWindow,
    InstrumentThresholds,
    RemissionResult,
    ResponseResult,
    ScorePoint,
    Window,
    baseline_index,
    classify_remission,
    classify_response,
    early_response,
    load_thresholds,
    summarise_outcome,
)

T0 = datetime(2026, 3, 2, 9, 0)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
DEFAULTS = load_thresholds()


def at(offset: timedelta, total: float) -> ScorePoint:
    return ScorePoint(T0 + offset, total)


class TestThresholdsOfOneInstrument:
    def test_madrs_carries_its_own_rules(self) -> None:
        madrs = DEFAULTS.for_instrument("madrs")
        assert madrs.instrument == "madrs"
        assert madrs.response is not None and madrs.response.percent_reduction == 50
        assert madrs.remission is not None and (madrs.remission.op, madrs.remission.value) == (
            "<=",
            10,
        )
        assert madrs.relapse is not None
        assert (madrs.relapse.value, madrs.relapse.min_days_apart) == (22, 5)
        assert madrs.relapse.max_days_apart == 15
        assert madrs.relapse_consecutive == 2

    def test_madrs_counts_percent_change_from_zero(self) -> None:
        summary = summarise_outcome(
            [at(0 * DAY, 30), at(7 * DAY, 15)], 0, DEFAULTS.for_instrument("madrs")
        )
        assert (summary.percent_change, summary.responder) == (-50.0, True)

    def test_a_clinic_edit_of_loss_of_response_is_applied(self) -> None:
        edited = DEFAULTS.with_overrides({"loss_of_response": {"consecutive_non_response": 3}})
        assert edited.for_instrument("madrs").relapse_consecutive == 3

    def test_an_old_relapse_edit_keeps_the_clinics_other_loss_of_response_edits(self) -> None:
        edited = DEFAULTS.with_overrides(
            {
                "relapse": {"consecutive_non_response": 3},
                "loss_of_response": {"source": "clinic protocol 2026"},
            }
        )
        rule = edited.loss_of_response
        assert (rule.consecutive_non_response, rule.source) == (3, "clinic protocol 2026")

    def test_a_clinic_may_add_a_response_rule_for_another_instrument(self) -> None:
        madrs_rule = DEFAULTS.response["madrs"].model_dump()
        edited = DEFAULTS.with_overrides({"response": {"hama": madrs_rule}})
        assert edited.for_instrument("hama").response == DEFAULTS.response["madrs"]
        assert edited.response["madrs"] == DEFAULTS.response["madrs"]


class TestResponseAndRemission:
    def test_exactly_50_percent_better_is_a_response_with_its_figures(self) -> None:
        result = classify_response(30, 15, DEFAULTS.response["madrs"])
        assert result == ResponseResult(30, 15, -50.0, 50.0, True)

    def test_remission_reports_the_total_and_the_rule(self) -> None:
        assert classify_remission(10, DEFAULTS.remission["madrs"]) == RemissionResult(
            10, "<= 10", True
        )


class TestBaseline:
    POINTS = [at(-14 * DAY, 31), at(-7 * DAY, 30), at(0 * DAY, 29), at(7 * DAY, 20)]

    def test_the_last_rating_at_or_before_the_first_treatment_is_the_baseline(self) -> None:
        assert baseline_index(self.POINTS, None, T0) == 2
        assert baseline_index(self.POINTS, None, T0 - HOUR) == 1

    def test_a_chosen_index_must_exist(self) -> None:
        assert baseline_index(self.POINTS, 3) == 3
        with pytest.raises(ValueError, match=r"baseline index 4 is outside 0\.\.3"):
            baseline_index(self.POINTS, 4)

    def test_two_ratings_at_the_same_moment_are_in_order(self) -> None:
        points = [at(0 * DAY, 30), at(7 * DAY, 20), at(7 * DAY, 14)]
        summary = summarise_outcome(points, 0, DEFAULTS.for_instrument("madrs"))
        assert summary.latest == points[-1]


class TestSummary:
    def test_an_instrument_without_rules_reports_nothing_it_cannot_judge(self) -> None:
        points = [at(0 * DAY, 5), at(7 * DAY, 3), at(14 * DAY, 6)]
        summary = summarise_outcome(points, 0, InstrumentThresholds("cgi_s", None, None))
        assert summary.instrument == "cgi_s"
        assert (summary.responder, summary.remitter, summary.first_response_at) == (
            None,
            None,
            None,
        )
        assert (summary.relapsed, summary.relapse_at, summary.loss_of_response) == (
            None,
            None,
            False,
        )

    def test_a_suicide_attempt_after_response_is_relapse_at_its_time(self) -> None:
        points = [at(0 * DAY, 30), at(7 * DAY, 14), at(14 * DAY, 12)]
        event = RelapseEvent(T0 + 10 * DAY, "suicide_attempt")
        summary = summarise_outcome(points, 0, DEFAULTS.for_instrument("madrs"), events=[event])
        assert (summary.instrument, summary.relapsed, summary.relapse_at) == (
            "madrs",
            True,
            T0 + 10 * DAY,
        )


class TestEarlyResponse:
    RULE = DEFAULTS.response["madrs"]

    def test_exactly_50_percent_better_at_4_hours_is_a_response(self) -> None:
        view = early_response([at(-HOUR, 30), at(4 * HOUR, 15)], T0, self.RULE)
        assert view.session_time == T0
        assert view.windows[0] == EarlyResponseWindow(
            "4h", T0 + 4 * HOUR, at(4 * HOUR, 15), -15, -50.0, True
        )

    def test_a_rating_at_the_edge_of_the_tolerance_is_in_the_window(self) -> None:
        # 4 h +/- 1 h: a rating at 5 h is in; at 5 h 1 min it is not.
        inside = early_response([at(-HOUR, 30), at(5 * HOUR, 20)], T0, self.RULE)
        outside = early_response(
            [at(-HOUR, 30), at(5 * HOUR + timedelta(minutes=1), 20)], T0, self.RULE
        )
        assert (inside.windows[0].point, outside.windows[0].point) == (at(5 * HOUR, 20), None)

    def test_a_rating_at_the_session_time_is_the_pre_session_rating(self) -> None:
        view = early_response([at(-DAY, 33), at(0 * HOUR, 30), at(4 * HOUR, 20)], T0, self.RULE)
        assert view.pre_session == at(0 * HOUR, 30)
        assert view.windows[0].change == -10

    def test_the_pre_session_rating_is_never_also_a_post_session_one(self) -> None:
        # A clinic window wide enough to reach back to the session itself (2 h +/- 2 h).
        window = Window(label="2h", target_hours=2, tolerance_hours=2, why="clinic choice")
        view = early_response([at(0 * HOUR, 30)], T0, self.RULE, [window])
        assert (view.pre_session, view.windows[0].point) == (at(0 * HOUR, 30), None)

    def test_the_scales_floor_is_subtracted(self) -> None:
        # CDRS-R's lowest total is 17: from 57 to 37 is 50 % of the way to the floor.
        view = early_response([at(-HOUR, 57), at(4 * HOUR, 37)], T0, self.RULE, floor=17)
        assert (view.windows[0].percent_change, view.windows[0].responder) == (-50.0, True)

    def test_the_clinics_windows_replace_the_defaults(self) -> None:
        window = Window(label="2h", target_hours=2, tolerance_hours=0.5, why="clinic choice")
        view = early_response([at(-HOUR, 30), at(2 * HOUR, 25)], T0, self.RULE, [window])
        assert [w.label for w in view.windows] == ["2h"]
        assert view.windows[0].point == at(2 * HOUR, 25)
