"""Backup codes stand in once each for the authenticator; a lost authenticator is removed
only when a second clinic admin confirms the first one's request (issue 12 item 1)."""

from __future__ import annotations

import re

from django.test import Client, override_settings
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketamine_care.accounts.models import Membership, Role, SecondFactorReset
from ketamine_care.accounts.tests.test_login import current_code
from ketamine_care.audit.models import AuditEvent
from ketamine_care.testing.base import PASSWORD, ClinicTestCase

CODES = "/accounts/two-factor/backup-codes/"


def sign_in_with_code(email: str, code: str) -> Client:
    client = Client()
    client.post("/accounts/login/", {"email": email, "password": PASSWORD})
    client.post("/accounts/two-factor/", {"code": code})
    return client


@override_settings(REQUIRE_2FA=True)
class BackupCodeTests(ClinicTestCase):
    def setUp(self):
        self.device = TOTPDevice.objects.create(user=self.prescriber, confirmed=True)

    def make_codes(self, code: str | None = None) -> list[str]:
        client = sign_in_with_code(self.prescriber.email, code or current_code(self.device))
        page = client.post(CODES)
        self.assertEqual(page.status_code, 200)
        return re.findall(r"<li><code>([a-z0-9]+)</code></li>", page.content.decode())

    def test_ten_codes_are_shown_once_and_each_signs_in_once(self):
        codes = self.make_codes()
        self.assertEqual(len(codes), 10)
        self.assertEqual(StaticToken.objects.filter(device__user=self.prescriber).count(), 10)
        self.assertTrue(AuditEvent.objects.filter(event_type="user.backup_codes_generated"))
        client = sign_in_with_code(self.prescriber.email, codes[0].upper())
        self.assertEqual(client.get("/patients/").status_code, 200)
        again = sign_in_with_code(self.prescriber.email, codes[0])
        self.assertEqual(again.get("/patients/").status_code, 302)  # still asked for a code
        self.assertEqual(StaticToken.objects.filter(device__user=self.prescriber).count(), 9)

    def test_new_codes_retire_the_old_ones(self):
        first = self.make_codes()
        self.make_codes(first[0])  # the authenticator's code was used once already
        self.assertFalse(StaticToken.objects.filter(token__in=first).exists())

    def test_codes_need_an_authenticator_and_a_verified_session(self):
        response = self.client_for(self.nurse).post(CODES)
        self.assertRedirects(response, "/accounts/two-factor/setup/", fetch_redirect_response=False)
        unverified = self.client_for(self.prescriber).post(CODES)
        self.assertEqual(unverified.status_code, 302)
        self.assertIn("/accounts/two-factor/", unverified["Location"])
        self.assertFalse(StaticDevice.objects.exists())


class SecondFactorResetTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.second_admin = cls.users[Role.MEDICAL_DIRECTOR]
        # A second clinic admin: the medical director's account, given the admin role.
        Membership.objects.filter(user=cls.second_admin).update(role=Role.CLINIC_ADMIN)

    def setUp(self):
        self.device = TOTPDevice.objects.create(user=self.nurse, confirmed=True)
        StaticDevice.objects.create(user=self.nurse, name="Backup codes")
        self.url = f"/accounts/administration/people/{self.nurse.public_id}/"

    def ask(self, user):
        return self.client_for(user).post(
            self.url, {"action": "reset_second_factor", "confirm": "on"}
        )

    def confirm(self, user):
        return self.client_for(user).post(self.url, {"action": "confirm_reset", "confirm": "on"})

    def test_a_second_admin_confirms_and_the_devices_go_and_sessions_end(self):
        nurse_session = sign_in_with_code(self.nurse.email, current_code(self.device))
        self.assertEqual(self.ask(self.clinic_admin).status_code, 302)
        self.assertTrue(TOTPDevice.objects.filter(user=self.nurse).exists())  # not yet
        self.assertEqual(nurse_session.get("/patients/").status_code, 200)
        self.assertEqual(self.confirm(self.second_admin).status_code, 302)
        self.assertFalse(TOTPDevice.objects.filter(user=self.nurse).exists())
        self.assertFalse(StaticDevice.objects.filter(user=self.nurse).exists())
        self.assertEqual(nurse_session.get("/patients/").status_code, 302)
        reset = SecondFactorReset.objects.get()
        self.assertEqual(reset.confirmed_by, self.second_admin)
        types = set(AuditEvent.objects.values_list("event_type", flat=True))
        self.assertLessEqual({"second_factor.reset_requested", "second_factor.reset"}, types)

    def test_the_admin_who_asked_cannot_confirm_alone(self):
        self.ask(self.clinic_admin)
        response = self.confirm(self.clinic_admin)
        self.assertEqual(response.status_code, 422)
        self.assertTrue(TOTPDevice.objects.filter(user=self.nurse).exists())
        self.assertIsNone(SecondFactorReset.objects.get().confirmed_at)

    def test_nothing_to_confirm_and_a_second_request_are_refused(self):
        response = self.confirm(self.second_admin)
        self.assertContains(response, "No reset", status_code=422)
        self.ask(self.clinic_admin)
        response = self.ask(self.second_admin)
        self.assertContains(response, "already waiting", status_code=422)
        self.assertEqual(SecondFactorReset.objects.count(), 1)

    def test_another_clinics_admin_cannot_ask(self):
        from ketamine_care.testing.base import make_user

        other_admin = make_user("admin@elsewhere.clinic", self.other_clinic, Role.CLINIC_ADMIN)
        self.assertEqual(self.ask(other_admin).status_code, 404)
        self.assertFalse(SecondFactorReset.objects.exists())
