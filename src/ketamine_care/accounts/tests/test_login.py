import re

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketamine_care.accounts.models import Clinic, Membership, Role
from ketamine_care.audit.models import AuditEvent
from ketamine_care.testing.base import PASSWORD, ClinicTestCase, make_user

# Screens and forms over the ORM's portable queries: what they show, refuse and save is the
# same on both engines. The SQL under them that is not (row locks, the search statements, the
# audit and vitals inserts, windows, triggers) has its own tests in both passes
# (docs/TESTING.md, "Which tests run twice"). Checked once, in the SQLite pass.
pytestmark = pytest.mark.only_on("sqlite")


def reset_throttle(device: TOTPDevice) -> None:
    """A wrong code throttles the device for a while (brute-force protection); tests skip it."""
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


class LoginTests(ClinicTestCase):
    def test_users_sign_in_by_email_and_land_on_patients(self):
        response = Client().post(
            "/accounts/login/", {"email": "NURSE@test.clinic", "password": PASSWORD}
        )
        self.assertRedirects(response, "/patients/", fetch_redirect_response=False)
        self.assertTrue(
            AuditEvent.objects.filter(event_type="user.signed_in", actor=self.nurse).exists()
        )

    def test_a_wrong_password_is_refused_and_audited(self):
        response = Client().post(
            "/accounts/login/", {"email": "nurse@test.clinic", "password": "nope"}
        )
        self.assertContains(response, "not correct", status_code=200)
        self.assertTrue(AuditEvent.objects.filter(event_type="user.sign_in_failed").exists())

    def test_repeated_failures_lock_the_account_out(self):
        client = Client()
        for _ in range(5):
            client.post("/accounts/login/", {"email": "nurse@test.clinic", "password": "x"})
        response = client.post(
            "/accounts/login/", {"email": "nurse@test.clinic", "password": PASSWORD}
        )
        self.assertContains(response, "Too many failed sign-ins", status_code=429)

    def test_pages_need_a_signed_in_user(self):
        response = Client().get("/patients/")
        self.assertRedirects(
            response, "/accounts/login/?next=/patients/", fetch_redirect_response=False
        )

    def test_sign_out_needs_post(self):
        client = self.client_for(self.nurse)
        self.assertEqual(client.get("/accounts/logout/").status_code, 405)
        self.assertEqual(client.post("/accounts/logout/").status_code, 302)


@override_settings(REQUIRE_2FA=True)
class TwoFactorTests(ClinicTestCase):
    def test_prescribers_must_enrol_a_second_factor_before_seeing_patients(self):
        client = self.client_for(self.prescriber)
        response = client.get("/patients/")
        self.assertRedirects(
            response, "/accounts/two-factor/setup/?next=/patients/", fetch_redirect_response=False
        )
        page = client.get("/accounts/two-factor/setup/")
        self.assertContains(page, "<svg")
        device = TOTPDevice.objects.get(user=self.prescriber, confirmed=False)
        wrong = client.post("/accounts/two-factor/setup/", {"code": "000000"})
        self.assertContains(wrong, "wrong or expired")
        reset_throttle(device)
        response = client.post(
            "/accounts/two-factor/setup/?next=/patients/", {"code": current_code(device)}
        )
        self.assertRedirects(response, "/patients/", fetch_redirect_response=False)
        self.assertEqual(client.get("/patients/").status_code, 200)

    def test_enrolled_users_give_their_code_after_the_password(self):
        device = TOTPDevice.objects.create(user=self.medical_director, confirmed=True)
        client = Client()
        response = client.post(
            "/accounts/login/", {"email": "medical_director@test.clinic", "password": PASSWORD}
        )
        self.assertTrue(response["Location"].startswith("/accounts/two-factor/"))
        self.assertEqual(client.get("/patients/").status_code, 302)
        response = client.post("/accounts/two-factor/", {"code": current_code(device)})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(client.get("/patients/").status_code, 200)

    def test_nurses_are_not_forced_to_enrol(self):
        self.assertEqual(self.client_for(self.nurse).get("/patients/").status_code, 200)


class ClinicSwitchTests(ClinicTestCase):
    def test_a_member_of_two_clinics_switches_between_them(self):
        Membership.objects.create(
            user=self.prescriber, clinic=self.other_clinic, role=Role.PRESCRIBER
        )
        client = self.client_for(self.prescriber)
        client.post("/accounts/switch-clinic/", {"clinic": str(self.clinic.public_id)})
        self.assertContains(client.get("/patients/"), "Rivera")
        response = client.post(
            "/accounts/switch-clinic/", {"clinic": str(self.other_clinic.public_id)}
        )
        self.assertEqual(response.status_code, 302)
        page = client.get("/patients/")
        self.assertContains(page, "Other")
        self.assertNotContains(page, "Rivera")
        chart = client.get(f"/patients/{self.patient.public_id}/")
        self.assertEqual(chart.status_code, 404)

    def test_the_switcher_lists_the_other_active_clinics_from_one_membership_query(self):
        Membership.objects.create(
            user=self.prescriber, clinic=self.other_clinic, role=Role.PRESCRIBER
        )
        closed = Clinic.objects.create(name="Closed clinic")
        Membership.objects.create(
            user=self.prescriber, clinic=closed, role=Role.PRESCRIBER, is_active=False
        )
        client = self.client_for(self.prescriber)
        client.post("/accounts/switch-clinic/", {"clinic": str(self.other_clinic.public_id)})
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/patients/")
        options = re.findall(r'<option value="([^"]+)"( selected)?>', page.content.decode())
        self.assertEqual(
            options,
            [(str(self.other_clinic.public_id), " selected"), (str(self.clinic.public_id), "")],
        )
        read = [q["sql"] for q in queries.captured_queries if '"accounts_membership"' in q["sql"]]
        self.assertEqual(len(read), 1, read)

    def test_switching_to_a_clinic_without_membership_answers_404(self):
        client = self.client_for(self.nurse)
        response = client.post(
            "/accounts/switch-clinic/", {"clinic": str(self.other_clinic.public_id)}
        )
        self.assertEqual(response.status_code, 404)

    def test_a_user_with_no_membership_sees_no_patients(self):
        from ketamine_care.accounts.models import User

        loner = User.objects.create_user("loner@test.clinic", PASSWORD, full_name="Loner")
        self.assertEqual(self.client_for(loner).get("/patients/").status_code, 404)
        self.assertIsNotNone(make_user)
