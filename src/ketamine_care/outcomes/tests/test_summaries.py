"""Outcome summaries kept on write (`outcomes.summaries`) always equal the full computation
over the current history, and a snapshot whose inputs changed is never shown."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from ketamine_care.instruments.models import Administration
from ketamine_care.instruments.services import mark_administration_entered_in_error
from ketamine_care.outcomes import providers, summaries
from ketamine_care.outcomes.models import ClinicSafetySettings, OutcomeSnapshot
from ketamine_care.outcomes.queries import _outcome, instrument_outcomes
from ketamine_care.outcomes.rules import load_thresholds
from ketamine_care.outcomes.services import clinic_thresholds, safety_settings_for
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.measures import phq9, record

rating = st.tuples(
    st.integers(min_value=0, max_value=24),  # PHQ-9 total (item 9 left at 0)
    st.floats(min_value=0.0, max_value=20.0),  # days after the previous rating
    st.booleans(),  # marked as the baseline
)
history = st.lists(rating, min_size=1, max_size=10)


def full(patient, sessions):
    """The full computation: every active row of the instrument, whole model rows."""
    rows = list(
        Administration.objects.active().filter(patient=patient, instrument_code="phq9")
        .chronological()
    )  # fmt: skip
    return _outcome("phq9", rows, load_thresholds(), False, sessions)


def shown(patient):
    """What the chart and the API show: the clinic's thresholds, from the snapshots."""
    thresholds = clinic_thresholds(safety_settings_for(patient.clinic))
    (outcome,) = instrument_outcomes(patient, thresholds, chart=False)
    return outcome


class SnapshotEqualsRecomputationTests(HypothesisTestCase, ClinicTestCase):
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        ratings=history,
        errors=st.sets(st.integers(min_value=0, max_value=9), max_size=3),
        session_days=st.lists(st.floats(min_value=0, max_value=150), max_size=3),
        sessions_before_writes=st.booleans(),
    )
    def test_the_summary_shown_is_the_one_the_whole_history_gives(
        self, ratings, errors, session_days, sessions_before_writes
    ):
        patient = make_patient(clinic=self.clinic, actor=self.prescriber)
        start = timezone.now() - timedelta(days=200)
        sessions = sorted(start + timedelta(days=d) for d in session_days)
        dose_times = [lambda _patient: sessions] if sessions_before_writes else []
        with mock.patch.object(providers, "_DOSE_TIMES", dose_times):
            rows, days = [], 0.0
            for total, gap, baseline in ratings:
                days += gap
                rows.append(record(patient, self.nurse, "phq9", phq9(total),
                                   days_ago=200 - days,
                                   time_point="baseline" if baseline else "follow_up"))  # fmt: skip
        for index in sorted(errors):
            if index < len(rows) - 1:  # keep one active rating
                mark_administration_entered_in_error(
                    administration=rows[index], actor=self.prescriber, reason="Wrong patient"
                )
        with mock.patch.object(providers, "_DOSE_TIMES", [lambda _patient: sessions]):
            expected = full(patient, sessions)
            outcome = shown(patient)
            again = shown(patient)  # now from the snapshot the first read stored
        for got in (outcome, again):
            self.assertEqual(got.summary, expected.summary)
            self.assertEqual(got.early, expected.early)
            self.assertEqual(got.count, expected.count)
            self.assertEqual(got.latest, expected.latest)
            self.assertEqual(got.no_baseline, expected.no_baseline)
            self.assertEqual(got.scored, expected.scored)


class SnapshotUpkeepTests(ClinicTestCase):
    def setUp(self):
        for days_ago, total in ((30, 20), (10, 9), (1, 6)):
            point = "baseline" if days_ago == 30 else "follow_up"
            record(self.patient, self.nurse, "phq9", phq9(total), days_ago=days_ago,
                   time_point=point)  # fmt: skip

    def test_recording_keeps_the_snapshot_so_a_read_computes_nothing(self):
        self.assertEqual(OutcomeSnapshot.objects.filter(patient=self.patient).count(), 1)
        with mock.patch.object(summaries, "compute_digest", side_effect=AssertionError):
            outcome = shown(self.patient)
        self.assertEqual(outcome.count, 3)
        self.assertEqual(outcome.latest.total, 6)
        self.assertTrue(outcome.summary.responder)  # 20 -> 6 is a 70 % reduction

    def test_a_rating_marked_entered_in_error_is_left_out_at_once(self):
        latest = Administration.objects.filter(patient=self.patient).order_by("-id").first()
        mark_administration_entered_in_error(
            administration=latest, actor=self.prescriber, reason="Entered for the wrong day"
        )
        outcome = shown(self.patient)
        self.assertEqual((outcome.count, outcome.latest.total), (2, 9))
        self.assertAlmostEqual(outcome.summary.percent_change, -55.0)  # 20 -> 9, not 20 -> 6
        self.assertEqual(outcome.summary, full(self.patient, []).summary)

    def test_edited_clinic_thresholds_recompute_the_summary(self):
        before = shown(self.patient).summary
        self.assertTrue(before.responder)
        ClinicSafetySettings.objects.update_or_create(
            clinic=self.clinic,
            defaults={"outcome_overrides": {"response": {"phq9": {"percent_reduction": 80}}}},
        )
        self.assertFalse(shown(self.patient).summary.responder)  # 70 % < 80 %

    def test_a_new_dosing_session_recomputes_the_early_response(self):
        self.assertIsNone(shown(self.patient).early)
        session = timezone.now() - timedelta(days=10, hours=1)
        with mock.patch.object(providers, "_DOSE_TIMES", [lambda _patient: [session]]):
            early = shown(self.patient).early
        self.assertEqual(early.session_time, session)
        self.assertEqual(early.pre_session.total, 20)

    def test_an_unreadable_snapshot_is_recomputed(self):
        OutcomeSnapshot.objects.filter(patient=self.patient).update(data={"$": "Nonsense"})
        self.assertEqual(shown(self.patient).count, 3)
        self.assertEqual(shown(self.patient).summary, full(self.patient, []).summary)

    def test_the_stored_form_reads_back_equal(self):
        rows, last = summaries.history(self.patient, "phq9")
        digest = summaries.compute_digest(rows, load_thresholds().for_instrument("phq9"), (), last)
        self.assertEqual(summaries.decode(summaries.encode(digest)), digest)
        self.assertIsInstance(summaries.decode(summaries.encode(digest)).latest.total, int)
