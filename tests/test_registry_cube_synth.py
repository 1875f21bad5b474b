"""On a synthetic clinic (real sessions, doses, weighings and ratings), the dashboard read
from the cohort cube is exactly the dashboard of the reference SQL (the dose histogram over
the session tables), whole clinic and cohorts with partial months; the stored dose bins give
the session tables' histogram; the registry job keeps the cube current; and after real
changes and a stale-only refresh, the kept cube is the one `registry-refresh --cube-only`
builds from scratch."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.test import TestCase

from ketamine_care.accounts.models import Membership, Role
from ketamine_care.demo.synth.run import synthesize
from ketamine_care.registry import aggregates as sql
from ketamine_care.registry.cohorts import CohortFilter, filter_summaries
from ketamine_care.registry.cube import DIMS, rebuild_cubes
from ketamine_care.registry.jobs import enqueue_refresh
from ketamine_care.registry.models import CohortCell, CohortCube, CourseDoseBin, CourseSummary
from ketamine_care.registry.queries import clinic_dashboard
from ketamine_care.registry.services import refresh_stale
from ketamine_care.registry.tests.builders import add_adverse_event, copy_plans
from ketamine_care.testing.jobs import run_worker
from ketamine_care.treatment_sessions.models import DoseAdministration, TreatmentSession


class SyntheticCubeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        dataset = synthesize(patients=80, seed=11, batch_size=40)
        cls.clinic = dataset.clinic
        cls.director = Membership.objects.get(clinic=cls.clinic, role=Role.MEDICAL_DIRECTOR)
        rebuild_cubes()

    def cohorts(self) -> list[CohortFilter]:
        starts = sorted(CourseSummary.objects.values_list("start_date", flat=True))
        middle = starts[len(starts) // 2]
        protocol = CourseSummary.objects.values_list("protocol_id", flat=True).first()
        return [
            CohortFilter(),
            CohortFilter(protocol=protocol),
            CohortFilter(start_from=starts[0] + timedelta(days=3), start_to=middle),
            CohortFilter(start_from=middle.replace(day=1), start_to=starts[-1]),
            CohortFilter(age_band="40-49", start_to=middle - timedelta(days=1)),
            CohortFilter(sex="female", protocol=protocol),
        ]

    def test_the_data_has_courses_doses_and_bins(self):
        self.assertGreater(CourseSummary.objects.count(), 10)
        self.assertTrue(CourseDoseBin.objects.exists())
        self.assertTrue(CohortCube.objects.get(clinic=self.clinic).current)

    def test_the_cube_dashboard_is_the_reference_dashboard(self):
        for cohort in self.cohorts():
            with self.subTest(cohort=cohort):
                cubed = clinic_dashboard(self.director, cohort)
                self.assertIsNotNone(cubed.cube_built_at)
                reference = clinic_dashboard(self.director, cohort, use_cube=False)
                self.assertIsNone(reference.cube_built_at)
                self.assertEqual(dataclasses.replace(cubed, cube_built_at=None), reference)

    def test_the_stored_dose_bins_give_the_session_tables_histogram(self):
        for cohort in self.cohorts():
            rows = filter_summaries(self.clinic, cohort)
            stored = [(int(r["bin"]), r["doses"], r["patients"]) for r in sql.dose_histogram(rows)]
            self.assertEqual(
                [(r["bin"], r["doses"], r["patients"]) for r in sql.stored_dose_histogram(rows)],
                stored,
            )

    def test_changes_and_a_stale_refresh_keep_the_cube_equal_to_a_full_rebuild(self):
        # Real writes (an adverse event, a dose, a plan moved, a second course): their
        # signals mark the courses stale; the stale-only refresh keeps the cube current.
        summaries = list(CourseSummary.objects.filter(clinic=self.clinic).order_by("id")[:4])
        session = TreatmentSession.objects.filter(patient_id=summaries[0].patient_id).first()
        with self.captureOnCommitCallbacks(execute=True):
            add_adverse_event(session, self.director.user)
            if dose := DoseAdministration.objects.filter(session__clinic=self.clinic).first():
                dose.dose_mg += 5
                dose.save()
            plan = summaries[1].plan
            plan.start_date += timedelta(days=35)
            plan.save()
            second = {"patient": 0, "protocol_id": summaries[2].protocol_id}
            copy_plans(summaries[2].plan, [summaries[2].patient], [second])
        refresh_stale(clinic=self.clinic)
        self.assertTrue(CohortCube.objects.get(clinic=self.clinic).current)
        kept = self.cells()
        for cohort in self.cohorts():
            cubed = clinic_dashboard(self.director, cohort)
            reference = clinic_dashboard(self.director, cohort, use_cube=False)
            self.assertEqual(dataclasses.replace(cubed, cube_built_at=None), reference)
        call_command("registry-refresh", "--cube-only", stdout=StringIO())
        self.assertEqual(self.cells(), kept)

    def cells(self) -> list[tuple]:
        rows = CohortCell.objects.filter(clinic=self.clinic)
        return sorted(rows.values_list("level", *DIMS, "figure", "key", "n"))

    def test_the_registry_job_keeps_the_cube_current(self):
        built = CohortCube.objects.get(clinic=self.clinic).built_at
        enqueue_refresh(clinic=self.clinic)
        run_worker()
        cube = CohortCube.objects.get(clinic=self.clinic)
        self.assertTrue(cube.current)
        self.assertGreater(cube.built_at, built)
        board = clinic_dashboard(self.director, CohortFilter())
        self.assertEqual(board.cube_built_at, cube.built_at)
