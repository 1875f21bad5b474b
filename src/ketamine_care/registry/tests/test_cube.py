"""The cohort cube gives exactly the figures the summaries give (generated cohorts, patients
with one course and with several, cohort filters with whole and partial months), in a number
of queries that does not grow with the courses; a cube that is not current is never read."""

from __future__ import annotations

import dataclasses
import random
from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from ketamine_care.patients import services as patients
from ketamine_care.registry.cohorts import AGE_BAND_KEYS, CohortFilter, filter_summaries
from ketamine_care.registry.cube import rebuild_cube
from ketamine_care.registry.cube_read import cube_figures, reference_figures, whole_months
from ketamine_care.registry.models import CohortCube, CourseDoseBin, CourseSummary
from ketamine_care.registry.queries import build_board, clinic_dashboard
from ketamine_care.registry.services import count_patient_courses, outdate_cubes
from ketamine_care.registry.tests.builders import copy_plans
from ketamine_care.registry.tests.test_aggregates import OUTCOME_COLUMNS, PROTOCOLS, TRI
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.treatment import activate_trd, treatable_plan

INDICATIONS = ("treatment_resistant_depression", "bipolar_depression")
SEXES = ("female", "male")
FIRST_DAY = date(2025, 1, 1)
DAYS = 500  # start dates from FIRST_DAY over ~16 months

ROW = st.fixed_dictionaries(
    {
        "patient": st.integers(0, 11),
        "protocol_id": st.sampled_from(PROTOCOLS),
        "indication": st.sampled_from(INDICATIONS),
        "age_at_start": st.integers(0, 95),
        "start": st.integers(0, DAYS),
        "followup_days": st.one_of(st.none(), st.integers(0, 500)),
        "induction_end": st.booleans(),
        "analysable": st.booleans(),
        "stale": st.booleans(),
        "sessions": st.integers(0, 30),
        "adverse_events": st.integers(0, 3),
        "bp_alerts": st.integers(0, 3),
        "cadss_peak": st.one_of(st.none(), st.floats(0, 92, allow_subnormal=False)),
        "expected_measures": st.integers(0, 40),
        "received_measures": st.integers(0, 40),
        "first_response_day": st.one_of(st.none(), st.integers(0, 200)),
        "observed_days": st.one_of(st.none(), st.integers(0, 300)),
        "relapse_event": TRI,
        "relapse_days": st.integers(0, 300),
        "age_of_row": st.integers(0, 10**9),  # microseconds before now it was refreshed
        "dose_bins": st.dictionaries(st.integers(0, 12), st.integers(1, 20), max_size=3),
        **{column: TRI for column in OUTCOME_COLUMNS},
    }
)
DAY = st.one_of(st.none(), st.integers(-20, DAYS + 20).map(lambda d: FIRST_DAY + timedelta(d)))
COHORT = st.builds(
    CohortFilter,
    protocol=st.sampled_from(("", *PROTOCOLS)),
    indication=st.sampled_from(("", *INDICATIONS)),
    start_from=DAY,
    start_to=DAY,
    age_band=st.sampled_from(("", *AGE_BAND_KEYS)),
    sex=st.sampled_from(("", *SEXES)),
)


def plain_row(seed: int, **fixed) -> dict:
    """A deterministic row (for the tests that are not property-based)."""
    rng = random.Random(seed)
    tri = (None, True, False)
    row = {
        "patient": rng.randrange(12), "protocol_id": rng.choice(PROTOCOLS),
        "indication": rng.choice(INDICATIONS), "age_at_start": rng.randrange(96),
        "start": rng.randrange(DAYS), "followup_days": rng.choice((None, rng.randrange(500))),
        "induction_end": rng.random() < 0.5, "analysable": rng.random() < 0.7,
        "stale": False, "sessions": rng.randrange(30), "adverse_events": rng.randrange(3),
        "bp_alerts": rng.randrange(3), "cadss_peak": rng.choice((None, rng.uniform(0, 92))),
        "expected_measures": 10, "received_measures": rng.randrange(11),
        "first_response_day": rng.choice((None, rng.randrange(200))),
        "observed_days": rng.choice((None, rng.randrange(300))),
        "relapse_event": rng.choice(tri), "relapse_days": rng.randrange(300),
        "age_of_row": rng.randrange(10**9), "dose_bins": {rng.randrange(12): 1 + rng.randrange(9)},
        **{column: rng.choice(tri) for column in OUTCOME_COLUMNS},
    }  # fmt: skip
    return row | fixed


# Whole months, partial months at either edge, one day, an empty range.
FIXED = (
    CohortFilter(),
    CohortFilter(protocol=PROTOCOLS[1]),  # a protocol's totals (the cube's level 1)
    CohortFilter(start_from=date(2025, 3, 1), start_to=date(2025, 8, 31)),
    CohortFilter(start_from=date(2025, 3, 15), start_to=date(2025, 8, 10)),
    CohortFilter(start_from=date(2025, 2, 10), start_to=date(2025, 2, 20)),
    CohortFilter(start_to=date(2025, 6, 30), protocol=PROTOCOLS[0]),
    CohortFilter(start_from=date(2025, 5, 5), sex="female", age_band="30-39"),
    CohortFilter(start_from=date(2025, 4, 1), start_to=date(2025, 4, 1)),
    CohortFilter(start_from=date(2025, 9, 1), start_to=date(2025, 3, 1)),
)


class CubeCase(HypothesisTestCase, ClinicTestCase):
    """Generated summaries (`load`) and the check that the cube gives their figures."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        patients.add_diagnosis(
            patient=cls.patient, actor=cls.prescriber, icd10_code="F33.2", label="MDD"
        )
        version = activate_trd(clinic=cls.clinic, director=cls.medical_director)
        cls.base = treatable_plan(patient=cls.patient, version=version, prescriber=cls.prescriber)
        cls.people = [cls.patient] + [
            make_patient(clinic=cls.clinic, actor=cls.prescriber, mrn=f"CUBE-{i}")
            for i in range(11)
        ]

    def load(self, rows: list[dict]) -> list:
        """Summaries and dose bins as the refresh writes them, then the cube; the plans."""
        base, now = self.base, timezone.now()
        plans = copy_plans(base, self.people, rows)
        skip = ("patient", "induction_end", "start", "age_of_row", "dose_bins")
        summaries = CourseSummary.objects.bulk_create(
            CourseSummary(
                clinic=self.clinic,
                patient=self.people[r["patient"]],
                plan=plan,
                sex=SEXES[r["patient"] % 2],
                start_date=FIRST_DAY + timedelta(days=r["start"]),
                induction_end_date=FIRST_DAY if r["induction_end"] else None,
                refreshed_at=now - timedelta(microseconds=r["age_of_row"]),
                **{k: v for k, v in r.items() if k not in skip},
            )
            for r, plan in zip(rows, plans, strict=True)
        )
        summary_of = dict(CourseSummary.objects.filter(plan__in=plans).values_list("plan_id", "id"))
        CourseDoseBin.objects.bulk_create(
            CourseDoseBin(summary_id=summary_of[plan.id], bin=b, doses=n)
            for r, plan in zip(rows, plans, strict=True)
            for b, n in r["dose_bins"].items()
        )
        self.assertEqual(len(summaries), len(rows))
        count_patient_courses(clinic=self.clinic)
        rebuild_cube(self.clinic)
        return plans

    def assert_same(self, cohort: CohortFilter, full: bool = True) -> None:
        reference = reference_figures(
            filter_summaries(self.clinic, cohort), full=full, stored_doses=True
        )
        cubed = cube_figures(self.clinic, cohort, full=full)
        self.assertIsNotNone(cubed)
        self.assertIsNotNone(cubed.cube_built_at)
        cubed = dataclasses.replace(cubed, cube_built_at=None)
        self.assertEqual(cubed.counts, reference.counts, cohort)
        self.assertEqual(
            build_board(cohort, cubed, full=full), build_board(cohort, reference, full=full)
        )


class CubeTests(CubeCase):
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(ROW, min_size=0, max_size=40), st.lists(COHORT, max_size=4))
    def test_the_cube_gives_exactly_the_figures_of_the_summaries(self, rows, cohorts):
        self.load(rows)
        for cohort in (*FIXED, *cohorts):
            self.assert_same(cohort)
        self.assert_same(CohortFilter(), full=False)

    def test_no_courses_outside_the_cube_count_as_the_reference_counts_nothing(self):
        empty = reference_figures(CourseSummary.objects.none(), full=False)
        self.load([plain_row(i, patient=6 + i) for i in range(4)])  # one course each
        cohort = CohortFilter(protocol="no-such-protocol")
        self.assertEqual(cube_figures(self.clinic, cohort, full=False).counts, empty.counts)

    def test_whole_months_of_a_range(self):
        cases = {
            (date(2025, 3, 1), date(2025, 8, 31)): (date(2025, 3, 1), date(2025, 8, 31)),
            (date(2025, 3, 2), date(2025, 8, 30)): (date(2025, 4, 1), date(2025, 7, 31)),
            (date(2024, 12, 31), date(2025, 2, 28)): (date(2025, 1, 1), date(2025, 2, 28)),
            (None, date(2024, 2, 28)): (None, date(2024, 1, 31)),  # leap year: not the end
        }
        for (low, high), expected in cases.items():
            cohort = CohortFilter(start_from=low, start_to=high)
            self.assertEqual(whole_months(cohort), expected)

    def test_a_cube_that_is_not_current_is_never_read(self):
        self.assertIsNone(cube_figures(self.clinic, CohortFilter(), full=True))  # none built
        self.load([plain_row(i, patient=1) for i in range(3)])
        director = self.membership(self.medical_director)
        board = clinic_dashboard(director, CohortFilter())
        self.assertIsNotNone(board.cube_built_at)
        outdate_cubes(clinic=self.clinic)
        self.assertFalse(CohortCube.objects.get(clinic=self.clinic).current)
        board = clinic_dashboard(director, CohortFilter())
        self.assertIsNone(board.cube_built_at)  # counted from the summaries
        self.assertEqual(board.courses, "fewer than 5")

    def test_deleting_a_course_outdates_the_cube(self):
        self.load([plain_row(i, patient=1) for i in range(2)])
        with self.captureOnCommitCallbacks(execute=True):
            CourseSummary.objects.filter(clinic=self.clinic).first().delete()
        self.assertFalse(CohortCube.objects.get(clinic=self.clinic).current)

    def test_the_number_of_queries_does_not_grow_with_the_courses(self):
        membership = self.membership(self.medical_director)
        partial = CohortFilter(start_from=date(2025, 2, 10), start_to=date(2025, 11, 20))
        counted = []
        for size in (6, 60):
            # Patients 0-2 have several courses (read from the summaries), 6-11 one each.
            rows = [plain_row(i, patient=i % 3, start=i * DAYS // size) for i in range(size)]
            rows += [plain_row(i, patient=6 + i, start=i * 40) for i in range(6)]
            CourseSummary.objects.all().delete()
            self.load(rows)
            for cohort in (CohortFilter(), partial):
                with CaptureQueriesContext(connection) as queries:
                    board = clinic_dashboard(membership, cohort)
                self.assertIsNotNone(board.cube_built_at)
                counted.append((size, cohort, len(queries)))
        self.assertEqual(counted[0][2], counted[2][2], counted)
        self.assertEqual(counted[1][2], counted[3][2], counted)
