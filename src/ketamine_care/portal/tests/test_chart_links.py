"""The chart lists the patient's self-report links (outstanding, completed, expired) and the
link screen offers a Copy button."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from ketamine_care.instruments.definition import load_definition
from ketamine_care.portal.models import SelfReportLink
from ketamine_care.portal.services import create_link
from ketamine_care.testing.base import ClinicTestCase


def _answers(code: str) -> dict:
    return {f"{code}__{i}": "0" for i in load_definition(code).item_ids}


class ChartLinksTests(ClinicTestCase):
    def setUp(self):
        cache.clear()

    def chart(self, user):
        return self.client_for(user).get(f"/patients/{self.patient.public_id}/")

    def test_outstanding_completed_and_expired_links_are_listed(self):
        create_link(patient=self.patient, actor=self.nurse, instrument_codes=["phq9"])
        _, token = create_link(patient=self.patient, actor=self.nurse, instrument_codes=["gad7"])
        Client().post(f"/self-report/{token}/", _answers("gad7"))
        expired, _ = create_link(patient=self.patient, actor=self.nurse, instrument_codes=["phq9"])
        SelfReportLink.objects.filter(pk=expired.pk).update(
            expires_at=timezone.now() - timedelta(hours=1)
        )
        response = self.chart(self.therapist)
        self.assertContains(response, "1 outstanding, 1 completed, 1 expired")
        self.assertContains(response, 'class="link-outstanding"')
        self.assertContains(response, 'class="link-completed"')
        self.assertContains(response, "Expired unanswered")
        page = response.content.decode()
        links = page[page.index('id="self-report-links"') :]
        links = links[: links.index("</table>")]
        self.assertIn("Generalized Anxiety Disorder 7-item scale", links)
        self.assertNotIn("gad7", links.lower())

    def test_statuses(self):
        link, _ = create_link(patient=self.patient, actor=self.nurse, instrument_codes=["phq9"])
        now = timezone.now()
        self.assertEqual(link.status_at(now), "outstanding")
        self.assertEqual(link.status_at(link.expires_at), "expired")
        link.revoked_at = now
        self.assertEqual(link.status_at(now), "revoked")
        link.revoked_at, link.used_at = None, now
        self.assertEqual(link.status_at(link.expires_at + timedelta(days=1)), "completed")

    def test_roles_that_do_not_send_links_do_not_see_them(self):
        create_link(patient=self.patient, actor=self.nurse, instrument_codes=["phq9"])
        response = self.chart(self.front_desk)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, 'id="section-self-report-links"')

    def test_no_links_says_so(self):
        self.assertContains(self.chart(self.nurse), "No self-report links sent.")

    def test_the_link_screen_has_a_copy_button_and_no_inline_script(self):
        url = f"/self-report/new/{self.patient.public_id}/"
        response = self.client_for(self.nurse).post(
            url, {"instruments": ["phq9"], "expires_in_hours": 24}
        )
        self.assertContains(response, 'data-copy="link-url"')
        self.assertContains(response, "js/copy-button.js")
        self.assertContains(response, 'role="status"')
        self.assertNotContains(response, "onclick")
        self.assertContains(response, "Patient Health Questionnaire-9")
