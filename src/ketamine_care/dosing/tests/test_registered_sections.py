"""What dosing shows on pages of the apps below it, through `core.sections`."""

from ketamine_care.core import sections
from ketamine_care.testing.base import ClinicTestCase


class ClinicSettingsSectionTests(ClinicTestCase):
    def test_dosing_registers_the_label_jurisdiction_form_for_the_clinic_settings(self):
        names = [s.name for s in sections.sections(sections.CLINIC_SETTINGS)]
        self.assertEqual(names, ["label_jurisdiction", "measure_settings"])

    def test_the_safety_settings_page_shows_the_label_form_of_the_clinic(self):
        response = self.client_for(self.medical_director).get("/alerts/settings/")
        self.assertContains(response, 'id="label-jurisdiction"')
        self.assertContains(response, 'value="US" checked')
