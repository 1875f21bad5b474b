"""Protocol selects default to the protocol the patient was found eligible for, and the dose
calculator's labels name each unit once."""

from __future__ import annotations

import re

from ketamine_care.screening.queries import eligible_protocol_id
from ketamine_care.screening.services import screen_patient
from ketamine_care.screening.tests.factories import clean_facts
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.treatment_sessions.tests.factories import activate

TRD, ESK = "iv-ketamine-trd", "esketamine-trd-label"


def _selected(page: str, select_id: str) -> str | None:
    start = page.index(f'id="{select_id}"')
    select = page[start : page.index("</select>", start)]
    match = re.search(r'<option value="([^"]+)"[^>]*\bselected\b', select)
    return match.group(1) if match else None


class ProtocolDefaultTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.trd = activate(cls.clinic, cls.medical_director, TRD)
        cls.esk = activate(cls.clinic, cls.medical_director, ESK)

    def screen(self, version, protocol, **facts):
        return screen_patient(
            patient=self.patient, protocol_version=version,
            facts=clean_facts(protocol, **facts), actor=self.prescriber,
        )  # fmt: skip

    def test_the_eligible_protocol_is_the_latest_that_permits_treatment(self):
        self.assertIsNone(eligible_protocol_id(self.patient))
        self.screen(self.esk, ESK)
        self.assertEqual(eligible_protocol_id(self.patient), ESK)
        self.screen(self.trd, TRD, bp_systolic=200, bp_diastolic=120)  # not eligible
        self.assertEqual(eligible_protocol_id(self.patient), ESK)

    def test_a_protocol_screened_again_with_a_worse_verdict_no_longer_counts(self):
        self.screen(self.esk, ESK)
        self.screen(self.esk, ESK, pregnant=True)
        self.assertIsNone(eligible_protocol_id(self.patient))

    def test_the_dose_calculator_and_new_plan_default_to_it(self):
        self.screen(self.esk, ESK)
        client = self.client_for(self.prescriber)
        base = f"/patients/{self.patient.public_id}"
        dose = client.get(f"{base}/dose/").content.decode()
        self.assertEqual(_selected(dose, "id_protocol"), ESK)
        plan = client.get(f"{base}/plans/new/").content.decode()
        self.assertEqual(_selected(plan, "id_protocol"), ESK)
        # A protocol named in the link still wins.
        asked = client.get(f"{base}/dose/?protocol={TRD}").content.decode()
        self.assertEqual(_selected(asked, "id_protocol"), TRD)

    def test_the_charts_screening_select_defaults_to_it_in_words(self):
        self.screen(self.esk, ESK)
        page = self.client_for(self.prescriber).get(f"/patients/{self.patient.public_id}/")
        html = page.content.decode()
        self.assertEqual(_selected(html, "screen-protocol"), ESK)
        start = html.index('id="screen-protocol"')
        self.assertNotIn(f">{TRD}<", html[start : html.index("</select>", start)])

    def test_the_dose_calculator_names_each_unit_once(self):
        page = self.client_for(self.prescriber).get(f"/patients/{self.patient.public_id}/dose/")
        html = page.content.decode()
        self.assertIn("Dose (mg/kg)</label>", html)
        self.assertIn("Concentration (mg/mL)</label>", html)
        for label in ("(mg/kg) (mg/kg)", "(mg) (mg)", "(mg/mL) (mg/mL)"):
            self.assertNotIn(label, html)
