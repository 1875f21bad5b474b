"""Allergies in the chart header: the allergies, "No known drug allergies" (a clinician said
so) or "Allergies not recorded" (nobody asked), never one shown for the other."""

from __future__ import annotations

import pytest

from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.errors import ValidationFailed
from ketamine_care.patients import services
from ketamine_care.patients.allergies import allergy_summary
from ketamine_care.testing.base import ClinicTestCase

# Screens and forms over the ORM's portable queries: what they show, refuse and save is the
# same on both engines. The SQL under them that is not (row locks, the search statements, the
# audit and vitals inserts, windows, triggers) has its own tests in both passes
# (docs/TESTING.md, "Which tests run twice"). Checked once, in the SQLite pass.
pytestmark = pytest.mark.only_on("sqlite")


class AllergyStatusTests(ClinicTestCase):
    def chart(self, user):
        return self.client_for(user).get(f"/patients/{self.patient.public_id}/")

    def header(self, response) -> str:
        page = response.content.decode()
        start = page.index('id="header-allergies"')
        return page[start : page.index("</dd>", start)]

    def test_a_new_patient_reads_allergies_not_recorded(self):
        self.assertEqual(allergy_summary(self.patient).status, "not_recorded")
        header = self.header(self.chart(self.nurse))
        self.assertIn("Allergies not recorded", header)
        self.assertNotIn("No known", header)

    def test_recording_no_known_drug_allergies_is_audited_and_shown(self):
        services.record_no_known_drug_allergies(patient=self.patient, actor=self.nurse)
        self.patient.refresh_from_db()
        self.assertEqual(allergy_summary(self.patient).status, "none_known")
        event = AuditEvent.objects.filter(event_type="patient.nkda_recorded").get()
        self.assertEqual(event.actor, self.nurse)
        header = self.header(self.chart(self.prescriber))
        self.assertIn("No known drug allergies", header)
        self.assertNotIn("not recorded", header)

    def test_adding_an_allergy_clears_no_known_drug_allergies(self):
        services.record_no_known_drug_allergies(patient=self.patient, actor=self.nurse)
        services.add_allergy(patient=self.patient, actor=self.nurse, substance="Penicillin",
                             severity="severe")  # fmt: skip
        self.patient.refresh_from_db()
        self.assertIsNone(self.patient.nkda_recorded_at)
        event = AuditEvent.objects.filter(event_type="allergy.added").get()
        self.assertEqual(event.changes["old"], {"no_known_drug_allergies": True})
        header = self.header(self.chart(self.nurse))
        self.assertIn("Penicillin", header)
        self.assertIn("danger", header)
        self.assertNotIn("No known", header)

    def test_no_known_drug_allergies_is_refused_while_an_allergy_is_recorded(self):
        services.add_allergy(patient=self.patient, actor=self.nurse, substance="Latex")
        with self.assertRaises(ValidationFailed):
            services.record_no_known_drug_allergies(patient=self.patient, actor=self.nurse)
        url = f"/patients/{self.patient.public_id}/no-known-drug-allergies/"
        response = self.client_for(self.nurse).post(url, headers={"HX-Request": "true"})
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "An allergy is recorded", status_code=422)
        self.patient.refresh_from_db()
        self.assertIsNone(self.patient.nkda_recorded_at)

    def test_the_htmx_button_refreshes_the_section_and_the_header(self):
        url = f"/patients/{self.patient.public_id}/no-known-drug-allergies/"
        response = self.client_for(self.nurse).post(url, headers={"HX-Request": "true"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'id="section-allergies"')
        self.assertContains(response, 'id="header-allergies" hx-swap-oob="true"')
        self.assertNotContains(response, "<html")

    def test_the_front_desk_sees_no_allergies_and_may_not_record_them(self):
        response = self.chart(self.front_desk)
        self.assertNotContains(response, 'id="header-allergies"')
        url = f"/patients/{self.patient.public_id}/no-known-drug-allergies/"
        self.assertEqual(self.client_for(self.front_desk).post(url).status_code, 403)
        self.assertEqual(self.client_for(self.outsider).post(url).status_code, 404)

    def test_an_nkda_entry_in_the_allergy_list_reads_as_no_known_allergies_in_the_header(self):
        services.add_allergy(patient=self.patient, actor=self.nurse, substance="NKDA")
        header = self.header(self.chart(self.nurse))
        self.assertIn("No known drug allergies", header)
        self.assertNotIn("badge", header)
        services.add_allergy(patient=self.patient, actor=self.nurse, substance="Latex")
        header = self.header(self.chart(self.nurse))
        self.assertIn("Latex", header)
        self.assertNotIn("NKDA", header)
