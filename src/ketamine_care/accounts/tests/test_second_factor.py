"""Whoever enrolled an authenticator uses it for every way in, whatever their role and
whatever REQUIRE_2FA says for that role."""

import itertools

from django.contrib.auth.models import AnonymousUser
from django.test import Client, override_settings
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketamine_care.accounts.models import ApiToken
from ketamine_care.accounts.permissions import has_second_factor
from ketamine_care.accounts.tests.test_login import current_code
from ketamine_care.testing.base import PASSWORD, ClinicTestCase

TOKENS = "/api/v1/auth/tokens"


@override_settings(REQUIRE_2FA=False)
class EnrolledUsersUseTheirSecondFactorTests(ClinicTestCase):
    """The nurse's role does not need a second factor, and REQUIRE_2FA is off: enrolment alone
    decides."""

    def setUp(self):
        self.device = TOTPDevice.objects.create(user=self.nurse, confirmed=True)

    def ask_token(self, **extra):
        body = {"email": "nurse@test.clinic", "password": PASSWORD, **extra}
        return Client().post(TOKENS, body, content_type="application/json")

    def test_an_enrolled_user_without_a_code_gets_no_token(self):
        response = self.ask_token()
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["error"], "otp_required")
        self.assertIn("otp", response.json()["fields"])
        self.assertFalse(ApiToken.objects.exists())

    def test_an_enrolled_user_with_a_wrong_code_gets_no_token(self):
        self.assertEqual(self.ask_token(otp="000000").status_code, 401)
        self.assertFalse(ApiToken.objects.exists())

    def test_an_enrolled_user_with_the_current_code_gets_a_token(self):
        self.assertEqual(self.ask_token(otp=current_code(self.device)).status_code, 201)

    def test_an_unconfirmed_device_is_no_enrolment(self):
        TOTPDevice.objects.filter(pk=self.device.pk).update(confirmed=False)
        self.assertEqual(self.ask_token().status_code, 201)

    def test_an_unverified_session_cannot_call_the_api(self):
        client = self.client_for(self.nurse)  # password only, no code given
        self.assertEqual(client.get("/api/v1/patients").status_code, 401)

    def test_an_unverified_session_is_sent_to_give_its_code(self):
        response = self.client_for(self.nurse).get("/patients/")
        self.assertRedirects(
            response, "/accounts/two-factor/?next=/patients/", fetch_redirect_response=False
        )

    def test_a_user_who_never_enrolled_is_not_asked(self):
        client = self.client_for(self.therapist)
        self.assertEqual(client.get("/api/v1/patients").status_code, 200)


class HasSecondFactorTests(ClinicTestCase):
    """`has_second_factor` answers as django-otp's `user_has_device`, in one query."""

    def test_every_mix_of_devices_answers_as_django_otp_does(self):
        TOTPDevice.objects.create(user=self.therapist, confirmed=True)  # someone else's
        StaticDevice.objects.create(user=self.therapist, confirmed=True)
        for totp, static in itertools.product((None, False, True), repeat=2):
            with self.subTest(totp=totp, static=static):
                TOTPDevice.objects.filter(user=self.nurse).delete()
                StaticDevice.objects.filter(user=self.nurse).delete()
                if totp is not None:
                    TOTPDevice.objects.create(user=self.nurse, confirmed=totp)
                if static is not None:
                    StaticDevice.objects.create(user=self.nurse, confirmed=static)
                with self.assertNumQueries(1):
                    answer = has_second_factor(self.nurse)
                self.assertEqual(answer, user_has_device(self.nurse, confirmed=True))
                self.assertEqual(answer, bool(totp or static))
        self.assertFalse(has_second_factor(AnonymousUser()))
