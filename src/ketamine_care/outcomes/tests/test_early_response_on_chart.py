"""Session-anchored outcome reads: baseline before the first session, early response."""

from datetime import UTC, datetime, timedelta

from django.test import SimpleTestCase

from ketamine_care.outcomes.rules import ScorePoint, load_thresholds
from ketamine_care.outcomes.summaries import _baseline_index, _early

SESSION = datetime(2026, 2, 2, 10, 0)


class _Row:
    def __init__(self, when, time_point="follow_up"):
        self.administered_at = when
        self.time_point = time_point


class SessionAnchoredTests(SimpleTestCase):
    def test_baseline_is_the_last_rating_before_the_first_session_unless_one_is_marked(self):
        rows = [_Row(SESSION - timedelta(days=9)), _Row(SESSION - timedelta(days=2)),
                _Row(SESSION + timedelta(days=1))]  # fmt: skip
        self.assertEqual(_baseline_index(rows, SESSION), 1)
        self.assertIsNone(_baseline_index(rows, None))  # no session: the earliest
        rows[0].time_point = "baseline"
        self.assertEqual(_baseline_index(rows, SESSION), 0)

    def test_early_response_uses_the_latest_session_with_a_rating_before_it(self):
        rules = load_thresholds().for_instrument("madrs")
        points = [ScorePoint(SESSION - timedelta(hours=1), 30),
                  ScorePoint(SESSION + timedelta(hours=4), 14),
                  ScorePoint(SESSION + timedelta(hours=24), 16)]  # fmt: skip
        later = SESSION + timedelta(days=30)  # rated before it too: the latest session wins
        view = _early(points, [SESSION, later], rules)
        self.assertEqual(view.session_time, later)  # the latest session with an earlier rating
        view = _early(points, [SESSION], rules)
        four_hours = view.windows[0]
        self.assertEqual(four_hours.point.total, 14)
        self.assertTrue(four_hours.responder)  # 30 -> 14 is a 53 % reduction (>= 50 %)
        self.assertIsNone(_early(points, [], rules))


class _Scored(_Row):
    def __init__(self, when, total, time_point="follow_up"):
        super().__init__(when, time_point)
        self.total = total
        self.band = ""


AWARE = SESSION.replace(tzinfo=UTC)


class NoBaselineBeforeTreatmentTests(SimpleTestCase):
    """Rated only after the first dosing session: no response or remission is claimed (a
    post-treatment score is no baseline), and the chart does not fail."""

    def test_ratings_only_after_the_first_session_give_no_summary_but_a_trajectory(self):
        from ketamine_care.outcomes.queries import _outcome

        rows = [_Scored(AWARE + timedelta(days=1), 20), _Scored(AWARE + timedelta(days=8), 8)]
        outcome = _outcome("phq9", rows, load_thresholds(), True, [AWARE])
        self.assertTrue(outcome.no_baseline)
        self.assertIsNone(outcome.summary)
        self.assertIsNotNone(outcome.trajectory)

    def test_a_marked_baseline_after_the_session_is_the_clinicians_choice(self):
        from ketamine_care.outcomes.queries import _outcome

        rows = [
            _Scored(AWARE + timedelta(days=1), 20, time_point="baseline"),
            _Scored(AWARE + timedelta(days=8), 8),
        ]
        outcome = _outcome("phq9", rows, load_thresholds(), True, [AWARE])
        self.assertFalse(outcome.no_baseline)
        self.assertEqual(outcome.summary.baseline.total, 20)
        self.assertTrue(outcome.summary.responder)  # 20 -> 8 is a 60 % reduction
