"""The plan, day list, chart, dose and protocol pages name protocols, routes, phases and time
points in words, and the protocol page folds an outcome threshold's source away."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.treatment import activate_trd, next_monday, treatable_plan

# Screens and forms over the ORM's portable queries: what they show, refuse and save is the
# same on both engines. The SQL under them that is not (row locks, the search statements, the
# audit and vitals inserts, windows, triggers) has its own tests in both passes
# (docs/TESTING.md, "Which tests run twice"). Checked once, in the SQLite pass.
pytestmark = pytest.mark.only_on("sqlite")

TITLE = "IV racemic ketamine for treatment-resistant depression (adults)"


class CodesInWordsTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.version = activate_trd(clinic=cls.clinic, director=cls.medical_director)
        cls.plan = treatable_plan(
            patient=cls.patient, version=cls.version, prescriber=cls.prescriber
        )

    def setUp(self) -> None:
        self.client = self.client_for(self.prescriber)

    def test_the_plan_names_the_route_and_time_points_in_words(self):
        url = reverse("dosing:plan", args=[self.patient.public_id, self.plan.public_id])
        page = self.client.get(url)
        self.assertContains(page, "intravenous")
        self.assertContains(page, "(before the dose)")
        self.assertNotContains(page, "(pre_dose)")
        self.assertNotRegex(page.content.decode(), r"\bIV</td>")

    def test_the_day_list_names_the_protocol_and_phase_in_words(self):
        page = self.client.get(reverse("dosing:day") + f"?date={next_monday().isoformat()}")
        self.assertContains(page, TITLE)
        self.assertContains(page, "(acute series)")
        self.assertNotContains(page, "<td>iv-ketamine-trd</td>")
        self.assertNotContains(page, "(induction)")

    def test_the_chart_names_protocols_by_title(self):
        page = self.client.get(reverse("patients:chart", args=[self.patient.public_id]))
        # The patient's eligible protocol is pre-selected (issue 11 item 11); either way the
        # option reads the protocol's title, not its code.
        self.assertRegex(
            page.content.decode(),
            rf'<option value="iv-ketamine-trd"( selected)?>{re.escape(TITLE)}</option>',
        )
        self.assertContains(page, f"{TITLE} from")
        self.assertNotRegex(page.content.decode(), r">iv-ketamine-trd(</a>| from)")

    def test_the_protocol_page_names_routes_and_folds_threshold_sources(self):
        page = self.client.get(reverse("protocols:detail", args=["iv-ketamine-trd"]))
        html = page.content.decode()
        self.assertIn("<h3>Intravenous</h3>", html)
        self.assertNotIn("<h3>IV</h3>", html)
        remission = re.search(r"<dt>Remission</dt><dd>(.*?)</dd>", html, re.S).group(1)
        self.assertIn("score at or below", remission)
        self.assertIn("<details", remission)
        self.assertNotIn("score le", remission)

    def test_the_library_names_drug_route_population_and_setting_in_words(self):
        page = self.client.get(reverse("protocols:library"))
        html = page.content.decode()
        self.assertIn("Ketamine (racemic) · intravenous", html)
        self.assertIn("Adults · Psychiatric clinic", html)
        self.assertNotIn("Psychiatricclinic", html)
        self.assertNotRegex(html, r">\s*eating-disorders-research\s*[<·]")
