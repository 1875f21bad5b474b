"""The safety plan's check of each instrument's latest result reads one row per instrument
(`outcomes.latest`), in one query whatever the history, and finds exactly the rows that
reading every rating newest first finds."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from ketamine_care.instruments.models import Administration
from ketamine_care.outcomes.latest import latest_flags_by_code
from ketamine_care.outcomes.queries import latest_flags
from ketamine_care.patients.models import RecordStatus
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.measures import phq9, record

FLAG_SETS = (["suicidality"], [], ["suicidality", "other"], ["other"])
row = st.tuples(
    st.sampled_from(["phq9", "gad7"]),
    st.integers(min_value=0, max_value=3),  # minutes: ties in time are common
    st.integers(min_value=0, max_value=len(FLAG_SETS) - 1),
    st.booleans(),  # entered in error
)


def every_rating(patient) -> dict[str, list[str]]:
    """The full computation: every active rating, newest first, the first of each instrument."""
    rows = (
        Administration.objects.active()
        .filter(patient=patient)
        .order_by("-administered_at", "-id")
        .values_list("instrument_code", "flags")
    )
    latest: dict[str, list[str]] = {}
    for code, flags in rows:
        latest.setdefault(code, flags)
    return latest


def _store(patient, actor, rows) -> None:
    """One rating per row, then its instrument, time, flags and status set as given."""
    start = timezone.now() - timedelta(days=1)
    for code, minute, flags, in_error in rows:
        answers = phq9(3) if code == "phq9" else [0] * 7
        made = record(patient, actor, code, answers)
        Administration.objects.filter(pk=made.pk).update(
            administered_at=start + timedelta(minutes=minute),
            flags=FLAG_SETS[flags],
            status=RecordStatus.ENTERED_IN_ERROR if in_error else RecordStatus.ACTIVE,
            entered_in_error_reason="Wrong patient" if in_error else "",
        )


class LatestFlagsEqualEveryRatingTests(HypothesisTestCase, ClinicTestCase):
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(rows=st.lists(row, max_size=8))
    def test_the_newest_active_result_of_each_instrument(self, rows):
        patient = make_patient(clinic=self.clinic, actor=self.prescriber)
        _store(patient, self.nurse, rows)
        expected = every_rating(patient)
        self.assertEqual(latest_flags_by_code(patient), expected)
        self.assertEqual(sorted(latest_flags(patient)), sorted(expected.values()))


class LatestFlagsQueryCountTests(ClinicTestCase):
    def _count(self, history: int) -> int:
        patient = make_patient(clinic=self.clinic, actor=self.prescriber)
        rows = [("phq9" if i % 2 else "gad7", i, i % len(FLAG_SETS), i % 5 == 4)
                for i in range(history)]  # fmt: skip
        _store(patient, self.nurse, rows)
        with self.assertNumQueries(1):
            found = latest_flags_by_code(patient)
        self.assertEqual(found, every_rating(patient))
        return len(found)

    def test_one_query_with_two_ratings_and_with_forty(self):
        self.assertEqual(self._count(2), 2)
        self.assertEqual(self._count(40), 2)

    def test_no_ratings_no_flags(self):
        self.assertEqual(latest_flags(self.patient), [])
