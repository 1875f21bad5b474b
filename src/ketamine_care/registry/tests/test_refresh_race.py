"""A change that lands while the registry job rebuilds a course's summary (after the job read
the course, before it wrote the row) must leave the row stale, never marked current with the
figures from before the change: the next stale-only refresh then counts it."""

from __future__ import annotations

from unittest import mock

from ketamine_care.registry import services
from ketamine_care.registry.models import CourseSummary
from ketamine_care.registry.services import refresh_stale, refresh_summaries
from ketamine_care.registry.tests.builders import add_adverse_event
from ketamine_care.registry.tests.test_refresh import CourseCase


class RefreshRaceTests(CourseCase):
    def _refresh_racing_an_adverse_event(self, refresh):
        real_gather, raced = services.gather, []

        def gather_then_a_change_commits(*args, **kwargs):
            gathered = real_gather(*args, **kwargs)
            if not raced:  # one change, right after the job's first reading
                raced.append(True)
                with self.captureOnCommitCallbacks(execute=True):
                    add_adverse_event(self.sessions[2], self.nurse, kind="headache")
            return gathered

        with mock.patch.object(services, "gather", gather_then_a_change_commits):
            refresh()

    def test_a_change_during_a_rebuild_leaves_the_existing_row_stale(self):
        refresh_summaries(clinic=self.clinic)
        self.assertEqual(CourseSummary.objects.get(plan=self.plan).adverse_events, 1)
        self._refresh_racing_an_adverse_event(lambda: refresh_summaries(clinic=self.clinic))
        row = CourseSummary.objects.get(plan=self.plan)
        self.assertTrue(row.stale)
        refresh_stale(clinic=self.clinic)
        row.refresh_from_db()
        self.assertEqual((row.adverse_events, row.stale), (2, False))

    def test_a_change_during_the_first_build_of_a_course_is_counted(self):
        # The first row cannot be marked before it exists: the new row is read again.
        self._refresh_racing_an_adverse_event(lambda: refresh_summaries(clinic=self.clinic))
        row = CourseSummary.objects.get(plan=self.plan)
        self.assertEqual((row.adverse_events, row.stale), (2, False))

    def test_synth_which_owns_its_database_reads_a_new_row_once(self):
        with mock.patch.object(services, "gather", wraps=services.gather) as gather:
            refresh_summaries(clinic=self.clinic, settled=True)
        self.assertEqual(gather.call_count, 1)
        with mock.patch.object(services, "gather", wraps=services.gather) as gather:
            refresh_summaries(clinic=self.clinic)
        self.assertEqual(gather.call_count, 1)  # the row exists now: one reading
