"""The chart gathers the sections that the apps above `patients` register
(`core/sections.py`): patients imports none of them."""

from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from django.conf import settings

from ketamine_care.core import sections
from ketamine_care.patients.services import add_medication
from ketamine_care.testing.base import ClinicTestCase

# Screens and forms over the ORM's portable queries: what they show, refuse and save is the
# same on both engines. The SQL under them that is not (row locks, the search statements, the
# audit and vitals inserts, windows, triggers) has its own tests in both passes
# (docs/TESTING.md, "Which tests run twice"). Checked once, in the SQLite pass.
pytestmark = pytest.mark.only_on("sqlite")


class ChartSectionTests(ClinicTestCase):
    def chart(self, user):
        return self.client_for(user).get(f"/patients/{self.patient.public_id}/")

    def test_the_installed_apps_register_their_sections_in_order(self):
        chart = [(s.name, s.template) for s in sections.sections(sections.PATIENT_CHART)]
        self.assertEqual(
            chart,
            [
                ("measures", "outcomes/_measures_section.html"),
                ("treatment", "dosing/_treatment_section.html"),
                ("course_review", "courses/_course_review.html"),
                ("sessions", "treatment_sessions/_chart_sessions.html"),
                ("surveillance", "surveillance/_chart_section.html"),
                ("therapy", "therapy/_chart_therapy.html"),
                ("self_report_links", "portal/_chart_links.html"),
                ("scheduled_measures", "portal/_chart_measures.html"),
                ("research_consent", "research/_chart_consent.html"),
            ],
        )
        day_list = [(s.name, s.template) for s in sections.sections(sections.DAY_LIST)]
        self.assertEqual(day_list, [("surveillance_due", "surveillance/_day_list_section.html")])
        rows = [s.name for s in sections.sections(sections.MEDICATION_ROW)]
        self.assertEqual(rows, ["interactions"])

    def test_the_chart_shows_the_sections_in_their_order(self):
        page = self.chart(self.prescriber).content.decode()
        measures = page.index('id="section-measures"')
        treatment = page.index('id="section-treatment"')
        self.assertLess(page.index('id="patient-name"'), measures)
        self.assertLess(measures, treatment)

    def test_sections_a_role_may_not_see_are_not_rendered(self):
        page = self.chart(self.front_desk)
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, 'id="section-measures"')
        self.assertNotContains(page, 'id="section-treatment"')

    def test_a_section_registered_by_an_app_appears_with_its_own_context(self):
        sections.register_section(
            sections.PATIENT_CHART,
            "probe",
            template="_section_probe.html",
            context=lambda request, patient: {"probe_mrn": patient.mrn},
            order=15,
        )
        self.addCleanup(sections.unregister_section, sections.PATIENT_CHART, "probe")
        with TemporaryDirectory() as directory:
            with self.settings(TEMPLATES=_with_probe_template(Path(directory))):
                page = self.chart(self.prescriber).content.decode()
        self.assertIn(f'<p id="probe">{self.patient.mrn}</p>', page)
        self.assertLess(page.index('id="section-measures"'), page.index('id="probe"'))
        self.assertLess(page.index('id="probe"'), page.index('id="section-treatment"'))

    def test_a_failing_section_fails_the_chart_instead_of_vanishing(self):
        def broken(request, patient):
            raise RuntimeError("a bug in a section")

        sections.register_section(
            sections.PATIENT_CHART, "broken", template="x.html", context=broken, order=5
        )
        self.addCleanup(sections.unregister_section, sections.PATIENT_CHART, "broken")
        with self.assertRaisesMessage(sections.SectionFailed, "'broken'"):
            self.chart(self.prescriber)

    def test_each_medication_row_shows_the_interaction_warnings_screening_registered(self):
        add_medication(
            patient=self.patient, actor=self.prescriber, name="Tranylcypromine", drug_class="maoi"
        )
        self.assertContains(self.chart(self.prescriber), "Monoamine oxidase inhibitors")


def _with_probe_template(directory: Path) -> list[dict]:
    """The project's template settings with one more directory, holding the probe's partial."""
    (directory / "_section_probe.html").write_text('<p id="probe">{{ probe_mrn }}</p>')
    templates = [dict(t) for t in settings.TEMPLATES]
    templates[0]["DIRS"] = [*templates[0]["DIRS"], directory]
    return templates
