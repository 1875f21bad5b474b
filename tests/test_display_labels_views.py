"""The screens show the clinic's words: the session header, the screening verdict and the
audit trail name protocols, routes, criteria and events in words, never by their codes."""

from __future__ import annotations

import pytest

from ketamine_care.patients import services as patients
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.treatment import activate_trd, screen
from ketamine_care.treatment_sessions.tests.factories import activate, dosing_session

# Screens and forms over the ORM's portable queries: what they show, refuse and save is the
# same on both engines. The SQL under them that is not (row locks, the search statements, the
# audit and vitals inserts, windows, triggers) has its own tests in both passes
# (docs/TESTING.md, "Which tests run twice"). Checked once, in the SQLite pass.
pytestmark = pytest.mark.only_on("sqlite")


class SessionHeaderTests(ClinicTestCase):
    def test_the_protocol_reads_by_name_version_and_route(self):
        version = activate(self.clinic, self.medical_director)
        session = dosing_session(self.patient, version, self.nurse, self.prescriber)
        response = self.client_for(self.nurse).get(f"/sessions/{session.public_id}/")
        self.assertContains(response, "IV racemic ketamine for treatment-resistant depression")
        self.assertContains(response, f"version {version.version}, intravenous")
        self.assertNotContains(response, "iv-ketamine-trd v")
        self.assertNotContains(response, "(iv)")


class VerdictWordsTests(ClinicTestCase):
    def test_reasons_show_severity_and_criterion_in_words_and_sources_folded(self):
        patients.add_diagnosis(
            patient=self.patient, actor=self.prescriber, icd10_code="F33.2", label="MDD"
        )
        version = activate_trd(clinic=self.clinic, director=self.medical_director)
        verdict = screen(
            patient=self.patient, version=version, actor=self.prescriber, pregnant=True
        )
        response = self.client_for(self.prescriber).get(
            f"/patients/{self.patient.public_id}/screening/{verdict.public_id}/"
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Needs override")
        self.assertContains(response, "Pregnant")
        self.assertContains(response, "<summary>Source</summary>", html=False)
        for code in (">requires_override<", "<code>", "is_true", "psychiatric_safety."):
            self.assertNotContains(response, code, html=False)


class AuditWordsTests(ClinicTestCase):
    def test_events_read_in_words_with_changes_as_old_arrow_new(self):
        patients.update_demographics(
            patient=self.patient, actor=self.medical_director, family_name="Okafor-Reyes"
        )
        patients.record_chart_view(patient=self.patient, actor=self.medical_director)
        response = self.client_for(self.medical_director).get("/audit/")
        self.assertContains(response, "Demographics changed")
        self.assertContains(response, "Chart viewed")
        self.assertContains(response, "Family name: ")
        self.assertContains(response, "→ Okafor-Reyes")
        self.assertContains(response, '<select id="id_event_type" name="event_type">', html=False)
        self.assertContains(
            response, '<option value="patient.viewed">Chart viewed</option>', html=False
        )
        self.assertNotContains(response, "<td>patient.viewed</td>", html=False)
        self.assertNotContains(response, "<pre>", html=False)
