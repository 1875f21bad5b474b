"""The patient's page names the clinic, shows progress, and marks an unanswered or unusable
answer in plain words (never item codes or allowed ranges)."""

from __future__ import annotations

import re

from django.core.cache import cache
from django.test import Client

from ketamine_care.instruments.definition import load_definition
from ketamine_care.portal.forms import NOT_AN_ANSWER, UNANSWERED, QuestionnaireForm
from ketamine_care.portal.services import create_link
from ketamine_care.testing.base import ClinicTestCase


def answers(code: str, values) -> dict:
    ids = load_definition(code).item_ids
    return {f"{code}__{i}": str(v) for i, v in zip(ids, values, strict=False)}


class PortalPageTests(ClinicTestCase):
    def setUp(self):
        cache.clear()

    def url(self, codes=("phq9",)):
        _, token = create_link(patient=self.patient, actor=self.nurse, instrument_codes=list(codes))
        return f"/self-report/{token}/"

    def test_the_page_names_the_clinic_and_shows_progress(self):
        response = Client().get(self.url(("phq9", "gad7")))
        self.assertContains(response, 'id="portal-clinic">Test Clinic<')
        self.assertContains(response, "0 of 16 questions answered")
        self.assertContains(response, "Questionnaire 2 of 2:")
        self.assertContains(response, "js/portal-questions.js")

    def test_an_unanswered_question_is_marked_with_plain_words(self):
        values = answers("phq9", [1, 1, 1, 1, 1, 1, 1, 1, 1])
        del values[next(k for k in values if k.endswith("3"))]
        response = Client().post(self.url(), values)
        self.assertEqual(response.status_code, 422)
        page = response.content.decode()
        self.assertIn("8 of 9 questions answered", page)
        self.assertIn("Please look at <a href=", page)
        self.assertIn("question 3</a>", page)
        marked = re.findall(r'class="field question unanswered" id="([^"]+)"', page)
        self.assertEqual(len(marked), 1)
        self.assertIn(UNANSWERED, page)
        # No clinician wording: no item codes, no allowed ranges.
        self.assertNotIn("phq9_", page.split("<form", 1)[1].split("csrfmiddlewaretoken")[0])
        self.assertNotIn("allowed:", page)

    def test_an_answer_that_is_not_one_of_the_choices_is_refused_plainly(self):
        values = answers("phq9", [1] * 9)
        first = next(iter(values))
        values[first] = "7"
        response = Client().post(self.url(), values)
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, NOT_AN_ANSWER, status_code=422)
        self.assertNotContains(response, "Select a valid choice", status_code=422)

    def test_service_refusals_land_on_their_question_in_plain_words(self):
        form = QuestionnaireForm(["phq9"], data={"phq9__x": ""})
        name = next(iter(form.fields))
        form.cleaned_data = {}
        form.add_plain_errors({name: "Answer Anhedonia (phq9_1); allowed: 0-3.", "answers": "x"})
        self.assertEqual(form.errors[name], [UNANSWERED])
        self.assertIn("could not be read", form.non_field_errors()[0])
        self.assertEqual(form.first_error().name, name)

    def test_the_thanks_page_names_the_clinic(self):
        response = Client().post(self.url(), answers("phq9", [0] * 9))
        self.assertContains(response, "your care team at Test Clinic")
