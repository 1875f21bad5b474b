"""Response, remission, relapse and early-response classification from data thresholds."""

from __future__ import annotations

import unittest
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from ketamine_care.instruments.definition import load_definition
from ketamine_care.outcomes.rules import (
    ScorePoint,
    classify_remission,
    classify_response,
    early_response,
    load_thresholds,
    percent_change,
    summarise_outcome,
)

T0 = datetime(2025, 1, 6, 9, 0)
DAY = timedelta(days=1)


def _points(*totals: float, step: timedelta = DAY) -> list[ScorePoint]:
    return [ScorePoint(T0 + i * step, t) for i, t in enumerate(totals)]


def test_percent_change_is_signed_and_undefined_at_zero_baseline() -> None:
    assert percent_change(30, 15) == -50.0
    assert percent_change(20, 25) == 25.0
    assert percent_change(0, 5) is None


@pytest.mark.parametrize(
    "code,baseline,current,responder",
    [
        ("madrs", 30, 15, True),  # exactly 50 %
        ("madrs", 30, 16, False),
        ("ybocs", 20, 13, True),  # 35 %
        ("ybocs", 20, 14, False),  # 30 %
        ("pcl5", 50, 35, True),  # 30 %
        ("pcl5", 50, 36, False),
        ("caps5", 40, 28, True),
    ],
)
def test_response_thresholds_come_from_data(
    code: str, baseline: float, current: float, responder: bool
) -> None:
    rule = load_thresholds().for_instrument(code).response
    assert rule is not None
    assert classify_response(baseline, current, rule).responder is responder


@pytest.mark.parametrize(
    "code,total,remitter",
    [
        ("madrs", 10, True), ("madrs", 11, False), ("phq9", 4, True), ("phq9", 5, False),
        ("qids_sr16", 5, True), ("qids_sr16", 6, False), ("hamd17", 7, True),
        ("hamd17", 8, False), ("ybocs", 12, True), ("ybocs", 13, False),
        ("cdrs_r", 28, True), ("ymrs", 11, True), ("ymrs", 12, False),
    ],
)  # fmt: skip
def test_remission_cut_offs(code: str, total: float, remitter: bool) -> None:
    rule = load_thresholds().for_instrument(code).remission
    assert rule is not None and classify_remission(total, rule).remitter is remitter


def test_unconfirmed_defaults_are_labelled_editable_institutional() -> None:
    t = load_thresholds()
    for rule in (t.remission["hamd17"], t.remission["ybocs"]):
        assert rule.editable and rule.evidence == "INSTITUTIONAL"
    assert "UNCONFIRMED" in t.remission["hamd17"].label


def test_phq9_remission_is_the_confirmed_hedis_measure_and_still_editable() -> None:
    # PHQ-9 remission < 5 is an NCQA HEDIS measure, confirmed: no longer labelled UNCONFIRMED.
    rule = load_thresholds().remission["phq9"]
    assert (rule.op, rule.value, rule.evidence, rule.editable) == ("<", 5, "GUIDELINE", True)
    assert "UNCONFIRMED" not in rule.label and "ncqa-hedis-dms" in rule.source


@pytest.mark.parametrize("code", ["phq9", "madrs", "qids_sr16", "hamd17", "ybocs", "cdrs_r"])
def test_defaults_agree_with_instrument_definitions(code: str) -> None:
    t = load_thresholds().for_instrument(code)
    d = load_definition(code)
    assert d.response is not None and t.response is not None
    assert d.response.percent_reduction == t.response.percent_reduction
    assert d.remission is not None and t.remission is not None
    assert (d.remission.op, d.remission.value) == (t.remission.op, t.remission.value)


def test_clinic_overrides_are_validated() -> None:
    t = load_thresholds().with_overrides({"remission": {"madrs": {"value": 12}}})
    assert t.remission["madrs"].value == 12 and load_thresholds().remission["madrs"].value == 10
    with pytest.raises(ValidationError):
        load_thresholds().with_overrides({"response": {"madrs": {"percent_reduction": 0}}})


class SummariseOutcomeTests(unittest.TestCase):
    madrs = load_thresholds().for_instrument("madrs")

    def test_baseline_is_last_rating_before_first_treatment(self) -> None:
        points = _points(34, 32, 20, 14, 9)
        s = summarise_outcome(points, None, self.madrs, first_treatment_at=T0 + 1.5 * DAY)
        assert s.baseline.total == 32 and s.latest.total == 9
        assert s.change == -23 and s.percent_change == pytest.approx(-71.875)
        assert (s.responder, s.remitter) == (True, True)
        assert s.first_response_at == T0 + 3 * DAY
        assert s.time_to_first_response == 1.5 * DAY  # from the first treatment
        assert s.relapsed is False and s.administrations_after_baseline == 3

    def test_clinician_chosen_baseline_by_index_or_time(self) -> None:
        points = _points(34, 32, 20)
        assert summarise_outcome(points, 0, self.madrs).baseline.total == 34
        assert summarise_outcome(points, T0 + DAY, self.madrs).baseline.total == 32
        with pytest.raises(ValueError, match="no administration at"):
            summarise_outcome(points, T0 + 5 * DAY, self.madrs)
        with pytest.raises(ValueError, match="outside"):
            summarise_outcome(points, 7, self.madrs)

    def test_no_rating_before_treatment_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="before the first treatment"):
            summarise_outcome(_points(30, 20), None, self.madrs, first_treatment_at=T0 - DAY)

    def test_time_to_response_counts_from_baseline_without_treatment_time(self) -> None:
        s = summarise_outcome(_points(30, 20, 15), 0, self.madrs)
        assert s.time_to_first_response == 2 * DAY

    def test_loss_of_response_needs_two_consecutive_non_responses(self) -> None:
        one_miss = summarise_outcome(_points(30, 14, 20, 12), 0, self.madrs)
        assert one_miss.loss_of_response is False and one_miss.relapsed is False
        two_misses = summarise_outcome(_points(30, 14, 20, 18, 12), 0, self.madrs)
        assert two_misses.loss_of_response is True
        assert two_misses.loss_of_response_at == T0 + 2 * DAY
        assert two_misses.relapsed is False  # below MADRS 22: lost response, not relapse
        assert two_misses.responder is True  # responding again at the latest rating

    def test_never_responding_is_not_relapse(self) -> None:
        s = summarise_outcome(_points(30, 25, 24, 23), 0, self.madrs)
        assert (s.responder, s.relapsed, s.first_response_at) == (False, False, None)
        assert s.loss_of_response is False

    def test_baseline_only_gives_no_classification(self) -> None:
        s = summarise_outcome(_points(30), None, self.madrs)
        assert (s.responder, s.remitter, s.change) == (None, None, 0)

    def test_zero_baseline_gives_no_response_call(self) -> None:
        s = summarise_outcome(_points(0, 0), 0, self.madrs)
        assert s.percent_change is None and s.responder is None and s.remitter is True

    def test_points_must_be_chronological(self) -> None:
        with pytest.raises(ValueError, match="chronological"):
            summarise_outcome(list(reversed(_points(30, 20))), 0, self.madrs)


@given(
    baseline=st.integers(1, 60),
    current=st.integers(0, 60),
)
def test_responder_iff_reduction_reaches_threshold(baseline: int, current: int) -> None:
    rule = load_thresholds().response["madrs"]
    assert classify_response(baseline, current, rule).responder == (
        (baseline - current) * 100 >= 50 * baseline
    )


class EarlyResponseTests(unittest.TestCase):
    session = T0 + timedelta(hours=1)
    rule = load_thresholds().response["madrs"]

    def test_it_picks_ratings_inside_each_window(self) -> None:
        h = timedelta(hours=1)
        points = [
            ScorePoint(T0, 30),  # pre-session
            ScorePoint(self.session + 40 * timedelta(minutes=1), 22),  # in session: ignored
            ScorePoint(self.session + timedelta(minutes=230), 14),
            ScorePoint(self.session + 26 * h, 16),
            ScorePoint(self.session + 7 * DAY + 3 * h, 12),
        ]
        view = early_response(points, self.session, self.rule)
        assert view.pre_session == points[0]
        got = {w.label: (w.point, w.change, w.responder) for w in view.windows}
        assert got["4h"] == (points[2], -16, True)
        assert got["24h"] == (points[3], -14, False)
        assert got["day7"] == (points[4], -18, True)

    def test_missing_ratings_leave_windows_empty(self) -> None:
        points = [ScorePoint(T0, 30), ScorePoint(self.session + 2 * DAY, 10)]
        view = early_response(points, self.session)
        assert all(w.point is None and w.change is None for w in view.windows)

    def test_without_pre_session_rating_there_is_no_change(self) -> None:
        points = [ScorePoint(self.session + timedelta(hours=4), 10)]
        (four, *_) = early_response(points, self.session).windows
        assert four.point is not None and four.change is None and four.responder is None

    def test_nearest_rating_to_the_target_wins(self) -> None:
        points = [
            ScorePoint(T0, 30),
            ScorePoint(self.session + timedelta(hours=3, minutes=10), 20),
            ScorePoint(self.session + timedelta(hours=4, minutes=20), 18),
        ]
        (four, *_) = early_response(points, self.session).windows
        assert four.point == points[2]
