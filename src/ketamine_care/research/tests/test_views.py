"""The researcher's workspace and projects: de-identified counts of consenting patients only,
small cells hidden, no way to a patient; the medical director creates projects."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketamine_care.audit.models import AuditEvent
from ketamine_care.patients.services import record_research_consent
from ketamine_care.research.models import ResearchProject
from ketamine_care.research.services import create_project
from ketamine_care.testing.base import ClinicTestCase, make_user
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.treatment import activate_trd, treatable_plan


class ResearchPagesFixture(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.project = create_project(
            clinic=cls.clinic, actor=cls.medical_director, name="Relapse after induction"
        )
        cls.version = activate_trd(clinic=cls.clinic, director=cls.medical_director)
        # Seven women in their forties consent, one man; one woman withdraws; one never asked.
        cls.cohort = [
            make_patient(
                clinic=cls.clinic,
                actor=cls.prescriber,
                family_name=f"Zephyrine{n}",
                mrn=f"SECRET-{n}",
                date_of_birth=date(1981, 1 + n, 3),
                sex="female" if n < 7 else "male",
            )
            for n in range(8)
        ]
        for patient in cls.cohort:
            cls.consent(patient, "given")
        cls.consent(cls.cohort[0], "withdrawn")
        treatable_plan(patient=cls.cohort[1], version=cls.version, prescriber=cls.prescriber)

    @classmethod
    def consent(cls, patient, status):
        record_research_consent(
            patient=patient, actor=cls.nurse, status=status, consent_text_version="2026-1"
        )

    def project_page(self, user=None):
        client = self.client_for(user or self.researcher)
        return client.get(f"/research/projects/{self.project.public_id}/")


class WorkspaceTests(ResearchPagesFixture):
    def test_the_researcher_lands_on_the_workspace(self):
        client = self.client_for(self.researcher)
        self.assertRedirects(client.get("/"), "/research/")
        page = client.get("/research/")
        self.assertContains(page, "Relapse after induction")
        self.assertContains(page, '<td class="num">7</td>', html=False)

    def test_the_project_counts_consenting_patients_only_with_small_cells_hidden(self):
        page = self.project_page()
        self.assertContains(page, '<span id="cohort-total">7</span>')
        body = page.content.decode()
        sex = body[body.index('id="cohort-sex"') : body.index("</table>", body.index("cohort-sex"))]
        # 6 women (one withdrew) and one man: the man's cell is small, and the women's would
        # reveal it by subtraction from the total, so both are hidden.
        self.assertIn("fewer than 5", sex)
        self.assertIn("not shown", sex)
        self.assertNotIn(">6<", sex)
        self.assertContains(page, "No treatment plan")
        self.assertContains(page, 'id="section-export"')

    def test_no_identifier_or_real_date_reaches_the_researchers_pages(self):
        for url in ("/research/", f"/research/projects/{self.project.public_id}/"):
            body = self.client_for(self.researcher).get(url).content.decode()
            with self.subTest(url=url):
                for patient in self.cohort:
                    self.assertNotIn(patient.family_name, body)
                    self.assertNotIn(patient.mrn, body)
                    self.assertNotIn(str(patient.public_id), body)
                    self.assertNotIn(patient.date_of_birth.isoformat(), body)
                self.assertNotIn("/patients/", body)

    def test_the_researcher_never_reaches_a_patient_page(self):
        client = self.client_for(self.researcher)
        patient = self.cohort[1]
        for url in (
            f"/patients/{patient.public_id}/",
            f"/research/patients/{patient.public_id}/consent/",
            "/patients/",
            f"/api/v1/patients/{patient.public_id}",
        ):
            with self.subTest(url=url):
                self.assertIn(client.get(url).status_code, (403, 404))

    def test_another_clinics_project_answers_404(self):
        theirs = create_project(clinic=self.other_clinic, actor=self.outsider, name="Theirs")
        response = self.client_for(self.researcher).get(f"/research/projects/{theirs.public_id}/")
        self.assertEqual(response.status_code, 404)
        self.assertNotContains(self.client_for(self.researcher).get("/research/"), "Theirs")

    def test_reads_are_audited_with_counts_never_patients(self):
        self.project_page()
        event = AuditEvent.objects.get(event_type="research_project.viewed")
        self.assertEqual(event.changes["count"], 7)
        self.assertIsNone(event.patient)
        self.assertEqual(event.object_id, str(self.project.public_id))

    def test_a_project_may_require_a_consent_text_version(self):
        project = create_project(
            clinic=self.clinic, actor=self.medical_director, name="V2", consent_text_version="2"
        )
        page = self.client_for(self.researcher).get(f"/research/projects/{project.public_id}/")
        self.assertContains(page, "No patient has consented to research under this version")

    def test_roles_without_research_access_get_403(self):
        for user in (self.nurse, self.prescriber, self.front_desk, self.clinic_admin):
            with self.subTest(role=user.email):
                self.assertEqual(self.client_for(user).get("/research/").status_code, 403)
                self.assertEqual(self.project_page(user).status_code, 403)


class NewProjectTests(ResearchPagesFixture):
    def test_the_medical_director_creates_a_project(self):
        client = self.client_for(self.medical_director)
        self.assertEqual(client.get("/research/projects/new/").status_code, 200)
        response = client.post(
            "/research/projects/new/",
            {"name": "Dose and response", "description": "mg/kg", "consent_text_version": ""},
        )
        project = ResearchProject.objects.get(name="Dose and response")
        self.assertRedirects(response, f"/research/projects/{project.public_id}/")
        self.assertEqual((project.slug, project.clinic), ("dose-and-response", self.clinic))
        self.assertTrue(AuditEvent.objects.filter(event_type="research_project.created").exists())

    def test_a_duplicate_or_empty_name_is_refused(self):
        client = self.client_for(self.medical_director)
        for name in ("Relapse after induction", "  ", "!!!"):
            with self.subTest(name=name):
                response = client.post("/research/projects/new/", {"name": name})
                self.assertEqual(response.status_code, 422)
        self.assertEqual(ResearchProject.objects.filter(clinic=self.clinic).count(), 1)

    def test_only_the_medical_director_creates_projects(self):
        for user in (self.researcher, self.prescriber, self.nurse):
            with self.subTest(role=user.email):
                response = self.client_for(user).post("/research/projects/new/", {"name": "X"})
                self.assertEqual(response.status_code, 403)
        self.assertFalse(ResearchProject.objects.filter(name="X").exists())

    def test_the_same_name_in_another_clinic_is_allowed(self):
        other = make_user("md@elsewhere.clinic", self.other_clinic, "medical_director")
        response = self.client_for(other).post(
            "/research/projects/new/", {"name": "Relapse after induction"}
        )
        self.assertEqual(response.status_code, 302)


class CostTests(ResearchPagesFixture):
    def test_the_project_page_costs_the_same_queries_at_any_number_of_patients(self):
        client = self.client_for(self.researcher)
        url = f"/research/projects/{self.project.public_id}/"
        client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        for n in range(12):
            patient = make_patient(clinic=self.clinic, actor=self.prescriber, sex="other")
            self.consent(patient, "given")
            if n % 3 == 0:
                treatable_plan(patient=patient, version=self.version, prescriber=self.prescriber)
        with self.assertNumQueries(len(few.captured_queries)):
            page = client.get(url)
        self.assertContains(page, '<span id="cohort-total">19</span>')
