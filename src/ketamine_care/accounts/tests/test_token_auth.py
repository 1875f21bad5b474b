"""Bearer-token authentication in one query: the token, its user and the user's membership of
the token's clinic are found together, and every way a token stops being usable still
answers 401."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client, RequestFactory
from django.utils import timezone

from ketamine_care.accounts.auth import BearerTokenAuth
from ketamine_care.accounts.models import ApiToken, Membership, Role
from ketamine_care.accounts.services import issue_api_token
from ketamine_care.testing.base import ClinicTestCase

PATIENTS = "/api/v1/patients"


class BearerTokenAuthTests(ClinicTestCase):
    def setUp(self) -> None:
        self.token_row, self.token = issue_api_token(membership=self.membership(self.nurse))

    def status(self, token: str) -> int:
        return Client().get(PATIENTS, HTTP_AUTHORIZATION=f"Bearer {token}").status_code

    def authenticate(self, token: str):
        request = RequestFactory().get(PATIENTS)
        return request, BearerTokenAuth().authenticate(request, token)

    def test_a_usable_token_speaks_for_its_member_in_its_clinic(self):
        request, user = self.authenticate(self.token)
        self.assertEqual(user, self.nurse)
        self.assertEqual(request.membership, self.membership(self.nurse))
        self.assertEqual(request.membership.clinic, self.clinic)
        self.assertEqual(request.membership.role, Role.NURSE)
        self.assertEqual(request.api_token.pk, self.token_row.pk)
        self.assertEqual(self.status(self.token), 200)

    def test_a_member_of_two_clinics_acts_in_the_tokens_clinic(self):
        Membership.objects.create(user=self.nurse, clinic=self.other_clinic, role=Role.PRESCRIBER)
        request, _ = self.authenticate(self.token)
        self.assertEqual(request.membership.clinic, self.clinic)
        self.assertEqual(request.membership.role, Role.NURSE)

    def test_revoked_unknown_and_deactivated_tokens_answer_401(self):
        self.assertEqual(self.status("kc_not-a-token"), 401)
        self.nurse.is_active = False
        self.nurse.save(update_fields=["is_active"])
        self.assertEqual(self.status(self.token), 401)
        self.nurse.is_active = True
        self.nurse.save(update_fields=["is_active"])
        self.assertEqual(self.status(self.token), 200)
        ApiToken.objects.filter(pk=self.token_row.pk).update(revoked_at=timezone.now())
        self.assertEqual(self.status(self.token), 401)

    def test_a_token_whose_membership_ended_answers_401(self):
        Membership.objects.filter(user=self.nurse, clinic=self.clinic).update(is_active=False)
        self.assertEqual(self.status(self.token), 401)

    def test_membership_of_another_clinic_does_not_carry_the_token(self):
        Membership.objects.create(user=self.nurse, clinic=self.other_clinic, role=Role.PRESCRIBER)
        Membership.objects.filter(user=self.nurse, clinic=self.clinic).delete()
        self.assertEqual(self.authenticate(self.token)[1], None)
        self.assertEqual(self.status(self.token), 401)

    def test_authentication_is_one_query_and_last_use_is_written_once_a_minute(self):
        ApiToken.objects.filter(pk=self.token_row.pk).update(last_used_at=timezone.now())
        with self.assertNumQueries(1):
            self.authenticate(self.token)
        stale = timezone.now() - timedelta(minutes=5)
        ApiToken.objects.filter(pk=self.token_row.pk).update(last_used_at=stale)
        with self.assertNumQueries(2):
            self.authenticate(self.token)
        self.token_row.refresh_from_db()
        self.assertGreater(self.token_row.last_used_at, stale)
