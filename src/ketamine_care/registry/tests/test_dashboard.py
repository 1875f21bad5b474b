"""The outcomes dashboard page: who sees what, small cells, the cohort form, the audit event,
and another clinic's courses never counted."""

from __future__ import annotations

import re
from datetime import timedelta

from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.labels import PROTOCOL, label
from ketamine_care.patients import services as patients
from ketamine_care.registry.models import CourseSummary
from ketamine_care.registry.queries import VIEWED
from ketamine_care.registry.services import refresh_summaries
from ketamine_care.registry.tests.builders import make_course
from ketamine_care.registry.tests.test_refresh import CourseCase
from ketamine_care.testing.base import make_user
from ketamine_care.testing.treatment import activate_trd

URL = "/registry/"


class DashboardTests(CourseCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        refresh_summaries()

    def test_the_prescriber_sees_outcomes_with_small_cells_suppressed(self):
        response = self.client_for(self.prescriber).get(URL)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn('id="rates-table"', html)
        self.assertIn('id="safety-table"', html)
        # One patient in the clinic: every count and rate is a small cell.
        self.assertIn('<dd id="count-courses">fewer than 5</dd>', html)
        self.assertNotIn('<dd id="count-courses">1</dd>', html)
        self.assertNotIn("(1 of 1)", html)
        self.assertIn("Not shown: fewer than 5 patients were at risk", html)
        self.assertIn('id="def-wilson"', html)
        self.assertIn('href="#def-response"', html)

    def test_the_clinic_admin_sees_counts_only(self):
        response = self.client_for(self.clinic_admin).get(URL)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn('id="counts-only"', html)
        self.assertIn('id="completeness"', html)
        for part in ('id="rates-table"', 'id="chart-relapse"', 'id="dosing"', 'id="safety"'):
            self.assertNotIn(part, html)

    def test_roles_without_the_dashboard_are_refused(self):
        for user in (self.nurse, self.front_desk, self.therapist, self.researcher):
            with self.subTest(role=user.email):
                self.assertEqual(self.client_for(user).get(URL).status_code, 403)

    def test_another_clinics_member_never_sees_this_clinics_courses(self):
        response = self.client_for(self.outsider).get(URL)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, '<dd id="count-courses">0</dd>', html=False)
        self.assertContains(response, 'id="registry-empty"')
        self.assertNotContains(response, "iv-ketamine-trd")

    def test_each_clinic_counts_only_its_own_courses(self):
        director = make_user("md@elsewhere.clinic", self.other_clinic, "medical_director")
        patients.add_diagnosis(
            patient=self.other_patient, actor=self.outsider, icd10_code="F33.2", label="MDD"
        )
        version = activate_trd(clinic=self.other_clinic, director=director)
        make_course(
            patient=self.other_patient,
            version=version,
            prescriber=self.outsider,
            nurse=director,
            start=self.start,
            sessions=(0, 3),
            ratings=[(-1, 10, 30)],
        )
        refresh_summaries()
        self.assertEqual(CourseSummary.objects.count(), 2)
        for user, clinic in ((self.prescriber, self.clinic), (self.outsider, self.other_clinic)):
            with self.subTest(clinic=clinic.name):
                self.client_for(user).get(URL)
                event = AuditEvent.objects.filter(event_type=VIEWED, actor=user).latest("id")
                self.assertEqual((event.clinic, event.changes["count"]), (clinic, 1))

    def test_element_ids_are_unique(self):
        html = self.client_for(self.prescriber).get(URL).content.decode()
        ids = re.findall(r'\sid="([^"]+)"', html)
        self.assertEqual(len(ids), len(set(ids)), [i for i in ids if ids.count(i) > 1])

    def test_the_read_is_audited_with_the_cohort_filter_and_no_patient(self):
        start = (self.start - timedelta(days=1)).isoformat()
        self.client_for(self.medical_director).get(
            URL, {"protocol": "iv-ketamine-trd", "start_from": start}
        )
        event = AuditEvent.objects.filter(event_type=VIEWED).latest("id")
        self.assertEqual(event.actor, self.medical_director)
        self.assertEqual(event.clinic, self.clinic)
        self.assertIsNone(event.patient)
        self.assertEqual(
            event.changes["cohort"], {"protocol": "iv-ketamine-trd", "start_from": start}
        )
        self.assertEqual(event.changes["count"], 1)
        self.assertEqual(event.changes["view"], "outcomes")
        self.assertNotIn(str(self.patient.public_id), str(event.changes))

    def test_the_cohort_is_described_in_the_clinics_words(self):
        response = self.client_for(self.prescriber).get(
            URL, {"protocol": "iv-ketamine-trd", "age_band": "30-39", "sex": "female"}
        )
        description = re.search(r'id="cohort-description">([^<]+)<', response.content.decode())
        words = description.group(1)
        self.assertIn(f"Protocol: {label(PROTOCOL, 'iv-ketamine-trd')}", words)
        self.assertIn("Age at the start: 30 to 39", words)
        self.assertIn("Sex: Female", words)
        self.assertNotIn("iv-ketamine-trd", words)

    def test_a_cohort_that_matches_nothing_shows_the_empty_state(self):
        response = self.client_for(self.prescriber).get(URL, {"sex": "other", "age_band": "80+"})
        self.assertContains(response, 'id="registry-empty"')
        self.assertNotContains(response, 'id="rates-table"')

    def test_a_bad_range_is_explained_and_the_whole_clinic_shown(self):
        response = self.client_for(self.prescriber).get(
            URL, {"start_from": "2026-05-01", "start_to": "2026-04-01"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "before its start", status_code=400)
        self.assertContains(response, "Every course of the clinic.", status_code=400)

    def test_an_unknown_protocol_is_refused_by_the_form(self):
        response = self.client_for(self.prescriber).get(URL, {"protocol": "no-such"})
        self.assertEqual(response.status_code, 400)

    def test_the_page_says_when_the_figures_were_refreshed_and_what_is_stale(self):
        CourseSummary.objects.update(stale=True)
        response = self.client_for(self.prescriber).get(URL)
        self.assertContains(response, "last refreshed")
        self.assertContains(response, "1 course changed since")

    def test_only_get(self):
        self.assertEqual(self.client_for(self.prescriber).post(URL).status_code, 405)

    def test_the_navigation_links_the_dashboard_for_its_roles(self):
        link = 'href="/registry/"'
        self.assertContains(self.client_for(self.prescriber).get(URL), link)
        self.assertNotContains(self.client_for(self.nurse).get("/patients/"), link)

    def test_stale_courses_queue_one_refresh_and_the_worker_clears_them(self):
        from ketamine_care.jobs.models import Job
        from ketamine_care.registry.jobs import REFRESH_JOB
        from ketamine_care.testing.jobs import run_worker

        CourseSummary.objects.update(stale=True)
        client = self.client_for(self.prescriber)
        client.get(URL)
        client.get(URL)
        self.assertEqual(Job.objects.filter(name=REFRESH_JOB, clinic=self.clinic).count(), 1)
        run_worker()
        self.assertFalse(CourseSummary.objects.filter(stale=True).exists())
        client.get(URL)
        self.assertEqual(Job.objects.filter(name=REFRESH_JOB).count(), 1)  # nothing stale


def test_the_refresh_command_rebuilds_now_or_queues(db):
    from io import StringIO

    from django.core.management import call_command

    from ketamine_care.jobs.models import Job

    out = StringIO()
    call_command("registry-refresh", stdout=out)
    assert "0 course summaries refreshed" in out.getvalue()
    call_command("registry-refresh", "--enqueue", "--stale-only", stdout=out)
    job = Job.objects.get()
    assert job.arguments == {"stale_only": True}
