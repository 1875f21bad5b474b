"""The cohort cube kept by the refresh batches (`cube_delta`): after generated changes to the
courses (start dates moved, plans cancelled, new courses, a patient's sex or birth date
corrected, plain stale marks) and a stale-only refresh, the cube is still current, its cells
are exactly those of a rebuild from scratch, and its figures those of the summaries (the old
path); the dashboard never falls back to the summaries after a refresh batch."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketamine_care.dosing.models import PlanStatus, TreatmentPlan
from ketamine_care.patients.models import Patient
from ketamine_care.registry import services
from ketamine_care.registry.cohorts import CohortFilter
from ketamine_care.registry.cube import rebuild_cube
from ketamine_care.registry.cube_delta import newest
from ketamine_care.registry.models import CohortCell, CohortCube, CourseSummary
from ketamine_care.registry.queries import clinic_dashboard
from ketamine_care.registry.services import refresh_stale, refresh_summaries
from ketamine_care.registry.tests.builders import copy_plans
from ketamine_care.registry.tests.test_aggregates import PROTOCOLS
from ketamine_care.registry.tests.test_cube import (
    COHORT,
    DAYS,
    FIRST_DAY,
    FIXED,
    ROW,
    CubeCase,
    plain_row,
)

KINDS = ("restart", "cancel", "add", "stale", "sex", "birth")
EDIT = st.tuples(st.sampled_from(KINDS), st.integers(0, 60), st.integers(0, DAYS))
COLUMNS = ("level", "protocol_id", "indication", "sex", "age_band", "start_month", "figure")


class CubeDeltaTests(CubeCase):
    def cells(self) -> list[tuple]:
        rows = CohortCell.objects.filter(clinic=self.clinic)
        return sorted(rows.values_list(*COLUMNS, "key", "n"))

    def edit(self, plans: list, edits) -> None:
        """Change the courses as the clinic's writes would, and mark the patients stale as
        their signals do (a new course has no row yet: the stale-only refresh finds it)."""
        for kind, i, day in edits:
            person = self.people[i % len(self.people)]
            when = FIRST_DAY + timedelta(days=day)
            if kind == "add":
                row = {"patient": i % len(self.people), "protocol_id": PROTOCOLS[day % 2]}
                plans += copy_plans(self.base, self.people, [row])
                TreatmentPlan.objects.filter(pk=plans[-1].pk).update(start_date=when)
                continue
            if kind in ("sex", "birth"):
                change = (
                    {"sex": ("female", "male")[day % 2]}
                    if kind == "sex"
                    else {"date_of_birth": date(1935 + day % 80, 1 + day % 12, 1)}
                )
                Patient.objects.filter(pk=person.pk).update(**change)
            elif plans:
                plan = plans[i % len(plans)]
                person = plan.patient
                plans_now = TreatmentPlan.objects.filter(pk=plan.pk)
                if kind == "restart":
                    plans_now.update(start_date=when)
                elif kind == "cancel":
                    plans_now.update(status=PlanStatus.CANCELLED)
            CourseSummary.objects.filter(patient=person).update(stale=True)

    # The production database's pass: the same delta SQL on SQLite is covered by the tests
    # below and by test_cube.py's generated cohorts.
    @pytest.mark.only_on("postgresql")
    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.lists(ROW, max_size=30),
        st.lists(st.lists(EDIT, max_size=6), min_size=1, max_size=2),
        st.lists(COHORT, max_size=2),
    )
    def test_after_changes_and_a_stale_refresh_the_cube_is_a_rebuild(self, rows, rounds, cohorts):
        plans = self.load(rows)
        for edits in rounds:
            self.edit(plans, edits)
            refresh_stale(clinic=self.clinic)
            cube = CohortCube.objects.get(clinic=self.clinic)
            self.assertTrue(cube.current)
            for cohort in (*FIXED, *cohorts):
                self.assert_same(cohort)  # == the old path, over the refreshed summaries
            kept = self.cells()
            self.assertEqual(cube.cells, len(kept))
            rebuild_cube(self.clinic)
            self.assertEqual(kept, self.cells())

    def test_the_dashboard_stays_on_the_cube_after_each_refresh_batch(self):
        plans = self.load([plain_row(i, patient=i % 6) for i in range(12)])
        director = self.membership(self.medical_director)
        TreatmentPlan.objects.filter(pk=plans[0].pk).update(start_date=FIRST_DAY)
        CourseSummary.objects.update(stale=True)
        real_store, boards = services._store, []

        def store_then_read(*args, **kwargs):
            real_store(*args, **kwargs)
            boards.append(clinic_dashboard(director, CohortFilter()))

        fallback = mock.patch(
            "ketamine_care.registry.queries.reference_figures",
            side_effect=AssertionError("the dashboard fell back to the summaries"),
        )
        with mock.patch.object(services, "_store", store_then_read), fallback:
            result = refresh_stale(clinic=self.clinic)
        self.assertGreater(result.batches, 0)
        self.assertGreaterEqual(len(boards), result.batches)  # a new row is written twice
        self.assertTrue(all(board.cube_built_at for board in boards))
        self.assertEqual(boards[-1], clinic_dashboard(director, CohortFilter()))

    def test_a_refresh_in_batches_keeps_the_cube_at_every_commit(self):
        plans = self.load([plain_row(i, patient=i % 8) for i in range(16)])
        TreatmentPlan.objects.filter(pk__in=[p.pk for p in plans[:5]]).update(start_date=FIRST_DAY)
        refresh_summaries(clinic=self.clinic, batch_size=3)
        kept = self.cells()
        self.assertTrue(CohortCube.objects.get(clinic=self.clinic).current)
        rebuild_cube(self.clinic)
        self.assertEqual(kept, self.cells())

    def test_a_cell_that_loses_its_newest_course_reads_its_newest_again(self):
        # Two single-course patients in one cell (same keys, same sex) and a protocol of
        # their own; the newer course moves to another month, then is cancelled.
        keys = {"protocol_id": PROTOCOLS[1], "indication": "bipolar_depression"}
        keys |= {"age_at_start": 45, "start": 40}
        older = plain_row(0, patient=6, age_of_row=10**8, **keys)
        plans = self.load([older, plain_row(1, patient=8, age_of_row=10, **keys)])
        for change in ({"start_date": FIRST_DAY + timedelta(days=200)}, {"status": "cancelled"}):
            TreatmentPlan.objects.filter(pk=plans[1].pk).update(**change)
            CourseSummary.objects.filter(plan=plans[1]).update(stale=True)
            refresh_stale(clinic=self.clinic)
            self.assertTrue(CohortCube.objects.get(clinic=self.clinic).current)
            kept = self.cells()
            rebuild_cube(self.clinic)
            self.assertEqual(kept, self.cells())

    def test_a_clinic_without_a_cube_gets_none_from_a_batch(self):
        plans = self.load([plain_row(i, patient=i) for i in range(3)])
        CohortCube.objects.filter(clinic=self.clinic).update(current=False)
        CohortCell.objects.filter(clinic=self.clinic).delete()
        refresh_summaries(clinic=self.clinic, patients=[plans[0].patient_id])
        self.assertFalse(CohortCube.objects.get(clinic=self.clinic).current)
        self.assertFalse(CohortCell.objects.filter(clinic=self.clinic).exists())


class NewestTests(CubeCase):
    def test_the_refreshed_maximum_after_a_batch(self):
        cases = {
            (None, None, 5): 5,  # a new cell
            (10, 3, None): 10,  # the batch's row was not the newest: the maximum stands
            (10, 3, 12): 12,
            (10, 3, 7): 10,
            (10, 10, 12): 12,  # the newest row rewritten, newer
            (10, 10, None): None,  # the newest row left the cell: read it again
            (10, 10, 9): None,
            (None, 3, None): None,  # the cube disagreed: read it again
        }
        for (stored, old, new), expected in cases.items():
            self.assertEqual(newest(stored, old, new), expected, (stored, old, new))
