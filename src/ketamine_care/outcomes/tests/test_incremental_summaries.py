"""Recording a rating extends its instrument's stored digest by that rating alone when it can
(`outcomes.incremental`), and the stored digest is then exactly the full computation over
the whole history; when it cannot (a baseline, a back-dated rating, an open relapse rule)
it recomputes."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from ketamine_care.instruments.services import (
    mark_administration_entered_in_error,
    record_administration,
)
from ketamine_care.outcomes import incremental, providers, summaries
from ketamine_care.outcomes.models import OutcomeSnapshot
from ketamine_care.outcomes.services import clinic_thresholds, safety_settings_for
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.measures import phq9

rating = st.tuples(
    st.integers(min_value=0, max_value=24),  # total (PHQ-9 up to 24; MADRS up to 24 too)
    st.floats(min_value=-2.0, max_value=12.0),  # days after the previous one (< 0: back-dated)
    st.sampled_from(["follow_up"] * 5 + ["baseline"]),
    st.booleans(),  # unscored: a later rating marked in error instead (an amendment)
)


def answers(code: str, total: int) -> list[int]:
    if code == "phq9":
        return phq9(total)
    items = []  # MADRS: items 1-9 carry the total, item 10 (suicidal thoughts) stays 0
    for _ in range(9):
        items.append(min(6, total - sum(items)))
    return [*items, 0]


def full_digest(patient, code, sessions):
    thresholds = clinic_thresholds(safety_settings_for(patient.clinic))
    rules = summaries.instrument_rules(code, thresholds, providers.remission_rules(patient))
    rows, last = summaries.history(patient, code)
    state = summaries.row_states(patient)[code]
    return summaries.compute_digest(rows, rules, sessions, last), summaries.fingerprint(
        state, rules, sessions
    )


class IncrementalEqualsFullTests(HypothesisTestCase, ClinicTestCase):
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        code=st.sampled_from(["phq9", "madrs"]),
        ratings=st.lists(rating, min_size=1, max_size=12),
        session_days=st.lists(st.floats(min_value=0, max_value=80), max_size=3),
    )
    def test_the_stored_digest_after_every_rating_is_the_full_computation(
        self, code, ratings, session_days
    ):
        patient = make_patient(clinic=self.clinic, actor=self.prescriber)
        start = timezone.now() - timedelta(days=200)
        sessions = sorted(start + timedelta(days=d) for d in session_days)
        days, recorded = 0.0, []
        with mock.patch.object(providers, "_DOSE_TIMES", [lambda _patient: sessions]):
            for total, gap, point, amend in ratings:
                days = max(0.0, days + gap)
                if amend and len(recorded) > 1:
                    mark_administration_entered_in_error(
                        administration=recorded.pop(0), actor=self.prescriber, reason="Wrong day"
                    )
                recorded.append(record_administration(
                    patient=patient, instrument_code=code, answers=answers(code, total),
                    time_point=point, actor=self.nurse,
                    administered_at=start + timedelta(days=days),
                ))  # fmt: skip
                expected, key = full_digest(patient, code, sessions)
                snapshot = OutcomeSnapshot.objects.get(patient=patient, instrument_code=code)
                self.assertEqual(summaries.decode(snapshot.data), expected)
                self.assertEqual(snapshot.fingerprint, key)


class IncrementalPathTests(ClinicTestCase):
    def _record(self, total, days_ago, point="follow_up"):
        return record_administration(
            patient=self.patient, instrument_code="phq9", answers=phq9(total), time_point=point,
            actor=self.nurse, administered_at=timezone.now() - timedelta(days=days_ago),
        )  # fmt: skip

    def test_follow_ups_extend_the_digest_without_reading_the_history(self):
        self._record(20, 40, "baseline")
        self._record(12, 30)
        with mock.patch.object(summaries, "history", side_effect=AssertionError("read it all")):
            for total, days_ago in ((9, 20), (14, 10), (15, 5), (16, 1)):
                self._record(total, days_ago)
        digest, _ = full_digest(self.patient, "phq9", [])
        stored = OutcomeSnapshot.objects.get(patient=self.patient, instrument_code="phq9")
        self.assertEqual(summaries.decode(stored.data), digest)
        self.assertEqual(digest.count, 6)
        # 20 -> 9 responded; 14, 15, 16 then missed response: lost at the first miss (14).
        self.assertTrue(digest.summary.loss_of_response)

    def test_a_back_dated_rating_or_a_baseline_is_recomputed_from_the_history(self):
        self._record(20, 40, "baseline")
        self._record(12, 10)
        for total, days_ago, point in ((9, 20, "follow_up"), (18, 5, "baseline")):
            with mock.patch.object(summaries, "history", wraps=summaries.history) as read:
                self._record(total, days_ago, point)
            read.assert_called_once()
        digest, _ = full_digest(self.patient, "phq9", [])
        self.assertEqual(digest.summary.baseline.total, 18)

    def test_a_stale_snapshot_is_never_extended(self):
        self._record(20, 40, "baseline")
        OutcomeSnapshot.objects.update(fingerprint="stale")
        with mock.patch.object(incremental, "extend_digest", side_effect=AssertionError):
            self._record(10, 30)
        stored = OutcomeSnapshot.objects.get(patient=self.patient, instrument_code="phq9")
        self.assertEqual(summaries.decode(stored.data), full_digest(self.patient, "phq9", [])[0])
