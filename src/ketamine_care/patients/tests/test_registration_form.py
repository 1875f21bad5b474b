"""The registration form: no sex chosen for the user, phone and e-mail checked, required
fields marked, the first field focused, an MRN suggested, a near-duplicate pointed out."""

from __future__ import annotations

from datetime import date

import pytest

from ketamine_care.audit.models import AuditEvent
from ketamine_care.patients.forms import PatientForm
from ketamine_care.patients.models import Patient
from ketamine_care.patients.queries import near_duplicates, suggest_mrn
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient

# Screens and forms over the ORM's portable queries: what they show, refuse and save is the
# same on both engines. The SQL under them that is not (row locks, the search statements, the
# audit and vitals inserts, windows, triggers) has its own tests in both passes
# (docs/TESTING.md, "Which tests run twice"). Checked once, in the SQLite pass.
pytestmark = pytest.mark.only_on("sqlite")

URL = "/patients/new/"


def form_data(**overrides) -> dict:
    data = {
        "mrn": "V-1",
        "given_name": "Vera",
        "family_name": "Lynn",
        "date_of_birth": "1950-03-20",
        "sex": "female",
    }
    data.update(overrides)
    return data


class RegistrationFormTests(ClinicTestCase):
    def test_no_sex_is_preselected_and_one_must_be_chosen(self):
        page = self.client_for(self.front_desk).get(URL).content.decode()
        select = page[page.index('name="sex"') : page.index("</select>", page.index('name="sex"'))]
        self.assertIn('<option value="" selected>Choose…</option>', select)
        self.assertEqual(select.count("selected"), 1)
        form = PatientForm(form_data(sex=""))
        self.assertIn("sex", form.errors)

    def test_phone_numbers_are_checked(self):
        for phone in ("+1 (555) 010-0199", "555.010.0199", "020 7946 0958", ""):
            with self.subTest(phone=phone):
                self.assertTrue(PatientForm(form_data(phone=phone)).is_valid())
        for phone in (
            "call me",
            "12345",
            "+1 555 0100 0199 0000 1",
            "555-0100 ext 2",
            "++15550100",
        ):
            with self.subTest(phone=phone):
                form = PatientForm(form_data(phone=phone))
                self.assertIn("7 to 15 digits", form.errors["phone"][0])

    def test_email_addresses_are_checked_in_plain_words(self):
        form = PatientForm(form_data(email="vera@"))
        self.assertEqual(
            form.errors["email"], ["Enter an e-mail address such as name@example.org."]
        )
        self.assertTrue(PatientForm(form_data(email="vera@example.org")).is_valid())

    def test_required_fields_are_marked_and_the_first_field_is_focused(self):
        page = self.client_for(self.front_desk).get(URL).content.decode()
        self.assertEqual(page.count('<span class="required-mark">(required)</span>'), 5)
        given = page[page.index('name="given_name"') - 200 : page.index('name="given_name"') + 200]
        self.assertIn("autofocus", given)
        self.assertIn("js/focus-first-error.js", page)
        self.assertIn("data-focus-first-error", page)

    def test_a_field_with_an_error_is_marked_invalid_for_the_focus_script(self):
        response = self.client_for(self.front_desk).post(URL, form_data(phone="call me"))
        self.assertContains(response, 'aria-invalid="true"', status_code=422)

    def test_an_mrn_is_suggested_after_the_clinics_last_one(self):
        make_patient(clinic=self.clinic, actor=self.prescriber, mrn="KC-00041")
        self.assertEqual(suggest_mrn(self.clinic), "KC-00042")
        make_patient(clinic=self.clinic, actor=self.prescriber, mrn="kc-00043",
                     given_name="Other")  # fmt: skip
        self.assertEqual(suggest_mrn(self.clinic), "kc-00044")
        response = self.client_for(self.front_desk).get(URL)
        self.assertContains(response, 'value="kc-00044"')
        self.assertContains(response, "is suggested")

    def test_a_suggestion_skips_taken_numbers_and_other_clinics_do_not_count(self):
        make_patient(clinic=self.clinic, actor=self.prescriber, mrn="9")
        make_patient(clinic=self.clinic, actor=self.prescriber, mrn="8")
        self.assertEqual(suggest_mrn(self.clinic), "10")
        make_patient(clinic=self.other_clinic, actor=self.outsider, mrn="A-7")
        self.assertEqual(suggest_mrn(self.clinic), "10")

    def test_a_near_duplicate_is_pointed_out_and_registered_only_when_confirmed(self):
        existing = make_patient(
            clinic=self.clinic, actor=self.prescriber, mrn="V-0", given_name="Vera",
            family_name="Lynn", date_of_birth=date(1950, 3, 20),
        )  # fmt: skip
        client = self.client_for(self.front_desk)
        response = client.post(URL, form_data(given_name=" vera ", family_name="LYNN"))
        self.assertContains(response, "already registered", status_code=422)
        self.assertContains(response, f"/patients/{existing.public_id}/", status_code=422)
        self.assertContains(response, "register anyway", status_code=422)
        self.assertFalse(Patient.objects.filter(mrn="V-1").exists())
        event = AuditEvent.objects.filter(event_type="patients.searched").latest("id")
        self.assertEqual(event.actor, self.front_desk)
        response = client.post(URL, form_data(confirm_not_duplicate="on"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(Patient.objects.filter(mrn="V-1").exists())

    def test_near_duplicates_stay_within_the_clinic(self):
        make_patient(
            clinic=self.other_clinic, actor=self.outsider, mrn="V-9", given_name="Vera",
            family_name="Lynn", date_of_birth=date(1950, 3, 20),
        )  # fmt: skip
        self.assertEqual(
            near_duplicates(self.clinic, given_name="Vera", family_name="Lynn",
                            date_of_birth=date(1950, 3, 20)),
            [],
        )  # fmt: skip
        response = self.client_for(self.front_desk).post(URL, form_data())
        self.assertEqual(response.status_code, 302)

    def test_a_different_date_of_birth_is_not_a_duplicate(self):
        make_patient(
            clinic=self.clinic, actor=self.prescriber, mrn="V-0", given_name="Vera",
            family_name="Lynn", date_of_birth=date(1951, 3, 20),
        )  # fmt: skip
        response = self.client_for(self.front_desk).post(URL, form_data())
        self.assertEqual(response.status_code, 302)
