"""Refreshing the course summaries: one row per course, few queries per batch, the job,
stale marking by the writes that change a course, and the cohort filter."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketamine_care.core.ages import completed_years
from ketamine_care.core.clock import clinic_today
from ketamine_care.jobs.models import Job, JobStatus
from ketamine_care.patients import services as patients
from ketamine_care.registry.cohorts import AGE_BANDS, CohortFilter, filter_summaries
from ketamine_care.registry.jobs import REFRESH_JOB, enqueue_refresh
from ketamine_care.registry.models import CourseSummary
from ketamine_care.registry.services import refresh_stale, refresh_summaries
from ketamine_care.registry.tests.builders import (
    add_adverse_event,
    add_alert,
    add_rating,
    local,
    make_course,
)
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.jobs import run_worker
from ketamine_care.testing.treatment import activate_trd

IV_SERIES = (0, 3, 7, 10, 14, 17)


class CourseCase(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        patients.add_diagnosis(
            patient=cls.patient, actor=cls.prescriber, icd10_code="F33.2", label="MDD"
        )
        cls.version = activate_trd(clinic=cls.clinic, director=cls.medical_director)
        cls.start = clinic_today(cls.clinic) - timedelta(days=120)
        cls.plan, cls.sessions = make_course(
            patient=cls.patient,
            version=cls.version,
            prescriber=cls.prescriber,
            nurse=cls.nurse,
            start=cls.start,
            sessions=IV_SERIES,
            ratings=[(-2, 10, 30), (17, 8, 12), (92, 10, 8)],
        )
        add_adverse_event(cls.sessions[0], cls.nurse)
        add_alert(cls.sessions[1])
        add_alert(cls.sessions[1], rule="spo2_below_92")  # not a blood-pressure alert


class RefreshTests(CourseCase):
    def test_one_row_per_course_with_its_outcome_and_safety_facts(self):
        result = refresh_summaries(clinic=self.clinic)
        self.assertEqual(result.courses, 1)
        row = CourseSummary.objects.get(plan=self.plan)
        self.assertEqual((row.clinic, row.patient), (self.clinic, self.patient))
        self.assertEqual(row.protocol_id, "iv-ketamine-trd")
        self.assertEqual(row.indication, "treatment_resistant_depression")
        self.assertEqual(row.sex, self.patient.sex)
        self.assertEqual(row.start_date, self.start)
        self.assertEqual(row.baseline_total, 30)
        self.assertEqual(row.sessions, 6)
        self.assertIs(row.response_induction, True)
        self.assertIs(row.remission_induction, False)
        self.assertIs(row.remission_3m, True)
        self.assertIsNone(row.response_6m)
        self.assertEqual(row.first_response_day, 17)
        self.assertEqual((row.adverse_events, row.bp_alerts), (1, 1))
        self.assertTrue(row.analysable)  # MADRS at baseline and after the first session
        self.assertGreater(row.expected_measures, row.received_measures)
        self.assertFalse(row.stale)

    def test_refreshing_again_updates_the_row_in_place(self):
        refresh_summaries(clinic=self.clinic)
        first = CourseSummary.objects.get(plan=self.plan)
        refresh_summaries(clinic=self.clinic)
        self.assertEqual(CourseSummary.objects.count(), 1)
        self.assertEqual(CourseSummary.objects.get(plan=self.plan).pk, first.pk)

    def test_queries_do_not_grow_with_the_courses_in_a_batch(self):
        with CaptureQueriesContext(connection) as one:
            refresh_summaries(clinic=self.clinic)
        for n in range(3):
            patient = make_patient(clinic=self.clinic, actor=self.prescriber, mrn=f"R-{n}")
            patients.add_diagnosis(
                patient=patient, actor=self.prescriber, icd10_code="F33.2", label="MDD"
            )
            make_course(
                patient=patient,
                version=self.version,
                prescriber=self.prescriber,
                nurse=self.nurse,
                start=self.start,
                sessions=IV_SERIES[:2],
                ratings=[(-1, 10, 28), (3, 8, 20)],
            )
        with CaptureQueriesContext(connection) as four:
            result = refresh_summaries(clinic=self.clinic)
        self.assertEqual(result.courses, 4)
        self.assertEqual(len(four), len(one))

    def test_another_clinics_refresh_leaves_this_clinic_alone(self):
        refresh_summaries(clinic=self.other_clinic)
        self.assertFalse(CourseSummary.objects.exists())

    def test_the_job_refreshes_on_the_worker(self):
        job = enqueue_refresh(clinic=self.clinic)
        self.assertEqual(job.name, REFRESH_JOB)
        run_worker()
        job.refresh_from_db()
        self.assertEqual(job.status, JobStatus.DONE)
        self.assertTrue(CourseSummary.objects.filter(plan=self.plan).exists())
        self.assertEqual(Job.objects.get(pk=job.pk).arguments, {})


class StaleTests(CourseCase):
    def test_a_new_rating_marks_the_patients_summaries_stale_after_commit(self):
        refresh_summaries(clinic=self.clinic)
        with self.captureOnCommitCallbacks(execute=True):
            add_rating(self.patient, self.prescriber, local(self.clinic, self.start, 12), 20)
        self.assertTrue(CourseSummary.objects.get(plan=self.plan).stale)
        result = refresh_stale(clinic=self.clinic)
        self.assertEqual(result.courses, 1)
        self.assertFalse(CourseSummary.objects.get(plan=self.plan).stale)

    def test_an_adverse_event_marks_stale_and_nothing_happens_before_commit(self):
        refresh_summaries(clinic=self.clinic)
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            add_adverse_event(self.sessions[2], self.nurse)
        self.assertFalse(CourseSummary.objects.get(plan=self.plan).stale)
        for callback in callbacks:
            callback()
        self.assertTrue(CourseSummary.objects.get(plan=self.plan).stale)

    def test_nothing_stale_nothing_refreshed(self):
        refresh_summaries(clinic=self.clinic)
        self.assertEqual(refresh_stale(clinic=self.clinic).courses, 0)

    def test_a_course_without_a_row_yet_is_built_by_the_stale_refresh(self):
        self.assertEqual(refresh_stale(clinic=self.clinic).courses, 1)
        self.assertTrue(CourseSummary.objects.filter(plan=self.plan).exists())


class CohortFilterTests(CourseCase):
    def test_filters_by_each_key_and_never_crosses_clinics(self):
        refresh_summaries()
        everyone = CohortFilter()
        self.assertEqual(filter_summaries(self.clinic, everyone).count(), 1)
        self.assertEqual(filter_summaries(self.other_clinic, everyone).count(), 0)
        cases = {
            CohortFilter(protocol="iv-ketamine-trd"): 1,
            CohortFilter(protocol="esketamine-trd-label"): 0,
            CohortFilter(indication="treatment_resistant_depression"): 1,
            CohortFilter(indication="ptsd"): 0,
            CohortFilter(start_from=self.start, start_to=self.start): 1,
            CohortFilter(start_from=self.start + timedelta(days=1)): 0,
            CohortFilter(start_to=self.start - timedelta(days=1)): 0,
            CohortFilter(sex=self.patient.sex): 1,
            CohortFilter(sex="unknown" if self.patient.sex != "unknown" else "female"): 0,
        }
        for cohort, expected in cases.items():
            with self.subTest(cohort=cohort):
                self.assertEqual(filter_summaries(self.clinic, cohort).count(), expected)

    def test_age_band_uses_age_at_the_course_start(self):
        refresh_summaries(clinic=self.clinic)
        row = CourseSummary.objects.get(plan=self.plan)
        expected = completed_years(self.patient.date_of_birth, self.start)
        self.assertEqual(row.age_at_start, expected)
        band = next(
            key
            for key, _label, low, high in AGE_BANDS
            if low <= expected and (high is None or expected <= high)
        )
        self.assertEqual(filter_summaries(self.clinic, CohortFilter(age_band=band)).count(), 1)

    def test_unknown_age_band_is_refused(self):
        with self.assertRaises(ValueError):
            CohortFilter(age_band="12-13")

    def test_describe_names_only_the_fields_set(self):
        cohort = CohortFilter(protocol="iv-ketamine-trd", start_from=date(2026, 1, 1))
        self.assertEqual(
            cohort.describe(), {"protocol": "iv-ketamine-trd", "start_from": "2026-01-01"}
        )
        self.assertTrue(CohortFilter().is_everyone)
