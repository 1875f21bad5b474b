"""The update screens: the protocol page says when a newer shipped version is available, and
the medical director reviews and drafts it in the clinic's words."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketamine_care.accounts.models import Role
from ketamine_care.protocols import services
from ketamine_care.protocols.models import ProtocolVersion, VersionSource
from ketamine_care.testing.base import ClinicTestCase, make_user
from ketamine_care.testing.treatment import activate_trd

from .test_update import CEILING, newer_trd, shipping

DETAIL = "/protocols/iv-ketamine-trd/"
UPDATE = "/protocols/iv-ketamine-trd/drafts/update/"


class UpdateViewTests(ClinicTestCase):
    def setUp(self):
        first = activate_trd(clinic=self.clinic, director=self.medical_director)
        draft = services.create_draft(
            from_version=first, edits={CEILING: 70}, actor=self.medical_director
        )
        self.active = services.publish_draft(version=draft, actor=self.medical_director)

    def test_the_protocol_page_offers_the_update_to_the_director_only(self):
        with shipping(newer_trd()):
            director = self.client_for(self.medical_director).get(DETAIL)
            nurse = self.client_for(self.nurse).get(DETAIL)
        for response in (director, nurse):
            self.assertContains(response, "A newer shipped version of this protocol (9.0.0)")
        self.assertContains(director, f'href="{UPDATE}"')
        self.assertNotContains(nurse, f'href="{UPDATE}"')
        self.assertNotContains(self.client_for(self.medical_director).get(DETAIL), "newer shipped")

    def test_the_library_marks_the_protocol_with_a_newer_shipped_version(self):
        client = self.client_for(self.nurse)
        with shipping(newer_trd()):
            with CaptureQueriesContext(connection) as newer:
                marked = client.get("/protocols/")
        badge = 'data-status="update">Newer shipped version 9.0.0'
        self.assertContains(marked, badge, count=1)
        with CaptureQueriesContext(connection) as current:
            self.assertNotContains(client.get("/protocols/"), 'data-status="update"')
        self.assertEqual(len(newer), len(current))  # the versions are read once either way

    def test_the_review_lists_the_changes_in_words_and_the_draft_keeps_what_is_ticked(self):
        client = self.client_for(self.medical_director)
        with shipping(newer_trd()):
            page = client.get(UPDATE)
            self.assertContains(page, "Update IV racemic ketamine")
            self.assertContains(page, "Keep: Clinic ceiling, ceiling per dose: 70 mg")
            self.assertContains(page, "Vital-sign cadence, vital signs every (after dosing): 15")
            self.assertNotContains(page, "alert_thresholds")
            response = client.post(UPDATE, {"keep_0": "on", "note": "Library 9.0.0"})
        self.assertRedirects(response, DETAIL, fetch_redirect_response=False)
        draft = ProtocolVersion.objects.get(source=VersionSource.UPDATED)
        self.assertEqual(draft.parsed().dose["iv"].ceiling.mg, 70)
        self.assertEqual(draft.change_note, "Library 9.0.0")

    def test_a_value_the_newer_version_asks_for_is_a_field_and_its_error(self):
        path = "monitoring.vitals_cadence.interval"
        client = self.client_for(self.medical_director)
        with shipping(newer_trd(must_set=(path,))):
            self.assertContains(client.get(UPDATE), "Values the shipped version asks this clinic")
            response = client.post(UPDATE, {"keep_0": "on"})
            self.assertEqual(response.status_code, 422)
            self.assertFalse(ProtocolVersion.objects.filter(source=VersionSource.UPDATED).exists())
            name = path.replace(".", "__")
            self.assertEqual(client.post(UPDATE, {name: "10"}).status_code, 302)

    def test_without_a_newer_version_the_page_says_so(self):
        response = self.client_for(self.medical_director).get(UPDATE, follow=True)
        self.assertContains(response, "already uses the shipped definition")

    def test_only_the_medical_director_opens_it_and_another_clinic_has_nothing_to_update(self):
        with shipping(newer_trd()):
            for user in (self.nurse, self.prescriber, self.clinic_admin):
                with self.subTest(user=user.email):
                    self.assertEqual(self.client_for(user).post(UPDATE).status_code, 403)
            elsewhere = make_user(
                "director@elsewhere.clinic", self.other_clinic, Role.MEDICAL_DIRECTOR
            )
            outsider = self.client_for(elsewhere).get(UPDATE, follow=True)
        self.assertContains(outsider, "Activate the protocol before drafting changes")
        self.assertFalse(ProtocolVersion.objects.filter(source=VersionSource.UPDATED).exists())
