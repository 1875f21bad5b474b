"""Inviting staff by e-mail (issue 12 item 1): a single-use, expiring link whose secret is
stored only as a hash; the invitee sets a password and, where the role requires it, enrols a
second factor; resend and cancel; an expired, cancelled, reused or forged link changes
nothing."""

from __future__ import annotations

import re
from datetime import timedelta

from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from ketamine_care.accounts.models import Invitation, Membership, Role, User
from ketamine_care.audit.models import AuditEvent
from ketamine_care.testing.base import PASSWORD, ClinicTestCase, make_user
from ketamine_care.testing.jobs import run_worker
from ketamine_care.testing.staff import make_invitation

NEW_PASSWORD = "a quite long new password 42"
LINK = re.compile(r"https?://[^/\s]+(/accounts/invitation/[^\s]+/)")


class InviteTests(ClinicTestCase):
    def invite(self, **data):
        body = {"full_name": "Nell Newhire", "email": "Nell@Test.Clinic", "role": Role.NURSE}
        body.update(data)
        client = self.client_for(self.clinic_admin)
        with self.captureOnCommitCallbacks(execute=True):
            response = client.post("/accounts/administration/invite/", body)
        run_worker()  # the e-mail is a job
        return response

    def link_in_mail(self) -> str:
        return LINK.search(mail.outbox[-1].body).group(1)

    def test_an_invitation_is_mailed_with_a_link_and_only_its_hash_is_stored(self):
        response = self.invite()
        self.assertRedirects(response, "/accounts/administration/")
        invitation = Invitation.objects.get()
        self.assertEqual(invitation.email, "nell@test.clinic")
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["nell@test.clinic"])
        self.assertIn("Test Clinic", mail.outbox[0].subject)
        link = self.link_in_mail()
        self.assertNotIn(invitation.token_hash, link)
        self.assertNotIn(invitation.token_hash, mail.outbox[0].body)
        expected = timezone.now() + timedelta(hours=72)
        self.assertAlmostEqual(invitation.expires_at, expected, delta=timedelta(minutes=1))
        event = AuditEvent.objects.get(event_type="invitation.sent")
        self.assertEqual(event.actor, self.clinic_admin)
        self.assertEqual(event.clinic, self.clinic)
        listed = self.client_for(self.clinic_admin).get("/accounts/administration/")
        self.assertContains(listed, "nell@test.clinic")

    def test_the_mail_carries_no_patient_data(self):
        self.invite()
        body = mail.outbox[0].body
        for secret in (self.patient.family_name, self.patient.mrn, str(self.patient.date_of_birth)):
            self.assertNotIn(secret, body)

    def test_a_member_or_an_open_invitation_cannot_be_invited_again(self):
        response = self.invite(email=self.nurse.email)
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "already a member", status_code=422)
        self.invite()
        response = self.invite()
        self.assertContains(response, "open invitation", status_code=422)
        self.assertEqual(Invitation.objects.count(), 1)

    def test_the_invitee_sets_a_password_and_is_signed_in_with_the_role(self):
        self.invite()
        link = self.link_in_mail()
        invitee = Client()
        page = invitee.get(link)
        self.assertContains(page, "Join Test Clinic")
        response = invitee.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
        self.assertRedirects(response, "/", fetch_redirect_response=False)
        user = User.objects.get(email="nell@test.clinic")
        self.assertTrue(user.check_password(NEW_PASSWORD))
        self.assertEqual(user.full_name, "Nell Newhire")
        membership = Membership.objects.get(user=user)
        self.assertEqual((membership.clinic, membership.role), (self.clinic, Role.NURSE))
        self.assertEqual(invitee.get("/patients/").status_code, 200)
        self.assertTrue(AuditEvent.objects.filter(event_type="invitation.accepted").exists())
        # The link is single-use.
        again = Client().post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
        self.assertContains(again, "already used", status_code=410)
        self.assertEqual(User.objects.filter(email="nell@test.clinic").count(), 1)

    def test_a_weak_or_mismatched_password_is_refused_and_nothing_is_created(self):
        invitation = make_invitation(clinic=self.clinic, admin=self.clinic_admin)
        link = f"/accounts/invitation/{invitation.token}/"
        weak = self.client.post(link, {"password1": "password", "password2": "password"})
        self.assertEqual(weak.status_code, 422)
        self.assertContains(weak, "too short", status_code=422)
        differ = self.client.post(link, {"password1": NEW_PASSWORD, "password2": "other" * 4})
        self.assertContains(differ, "The two passwords differ", status_code=422)
        self.assertFalse(User.objects.filter(email=invitation.email).exists())
        invitation.refresh_from_db()
        self.assertIsNone(invitation.accepted_at)

    @override_settings(REQUIRE_2FA=True)
    def test_a_role_that_requires_a_second_factor_is_sent_to_enrol(self):
        invitation = make_invitation(
            clinic=self.clinic, admin=self.clinic_admin, role=Role.PRESCRIBER
        )
        link = f"/accounts/invitation/{invitation.token}/"
        self.client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
        response = self.client.get("/patients/")
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/two-factor/setup/", response["Location"])

    def test_an_existing_account_joins_with_its_own_password(self):
        elsewhere = make_user("roaming@elsewhere.clinic", self.other_clinic, Role.NURSE)
        invitation = make_invitation(
            clinic=self.clinic, admin=self.clinic_admin, email=elsewhere.email
        )
        link = f"/accounts/invitation/{invitation.token}/"
        wrong = self.client.post(link, {"password1": "not my password at all"})
        self.assertContains(wrong, "not the password", status_code=422)
        self.client.post(link, {"password1": PASSWORD})
        self.assertEqual(
            set(elsewhere.memberships.values_list("clinic__name", flat=True)),
            {"Test Clinic", "Elsewhere Clinic"},
        )

    def test_an_expired_cancelled_or_forged_link_is_refused_and_changes_nothing(self):
        expired = make_invitation(clinic=self.clinic, admin=self.clinic_admin, hours=-1)
        body = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        response = self.client.post(f"/accounts/invitation/{expired.token}/", body)
        self.assertContains(response, "has expired", status_code=410)
        expired.delete()
        cancelled = make_invitation(clinic=self.clinic, admin=self.clinic_admin)
        Invitation.objects.filter(pk=cancelled.pk).update(cancelled_at=timezone.now())
        response = self.client.post(f"/accounts/invitation/{cancelled.token}/", body)
        self.assertContains(response, "was cancelled", status_code=410)
        forged = cancelled.token[:-3] + "abc"
        response = self.client.post(f"/accounts/invitation/{forged}/", body)
        self.assertContains(response, "not valid", status_code=404)
        self.assertFalse(User.objects.filter(email=cancelled.email).exists())


class ResendAndCancelTests(ClinicTestCase):
    def setUp(self):
        self.invitation = make_invitation(clinic=self.clinic, admin=self.clinic_admin)
        self.url = f"/accounts/administration/invitations/{self.invitation.public_id}/"
        self.admin = self.client_for(self.clinic_admin)

    def test_resending_mails_a_new_link_and_the_old_one_stops_working(self):
        with self.captureOnCommitCallbacks(execute=True):
            self.admin.post(self.url, {"action": "resend"})
        run_worker()  # the e-mail is a job
        self.assertEqual(len(mail.outbox), 1)
        new_link = LINK.search(mail.outbox[0].body).group(1)
        old = self.client.get(f"/accounts/invitation/{self.invitation.token}/")
        self.assertEqual(old.status_code, 404)
        self.assertEqual(self.client.get(new_link).status_code, 200)
        self.assertTrue(AuditEvent.objects.filter(event_type="invitation.resent").exists())

    def test_a_cancelled_invitation_cannot_be_used_or_resent(self):
        self.admin.post(self.url, {"action": "cancel"})
        self.invitation.refresh_from_db()
        self.assertIsNotNone(self.invitation.cancelled_at)
        response = self.admin.post(self.url, {"action": "resend"}, follow=True)
        self.assertContains(response, "already accepted or cancelled")
        run_worker()
        self.assertEqual(len(mail.outbox), 0)
        link = self.client.get(f"/accounts/invitation/{self.invitation.token}/")
        self.assertEqual(link.status_code, 410)

    def test_only_the_clinic_admin_may_and_another_clinics_invitation_is_not_found(self):
        nurse = self.client_for(self.nurse).post(self.url, {"action": "cancel"})
        self.assertEqual(nurse.status_code, 403)
        other_admin = make_user("admin@elsewhere.clinic", self.other_clinic, Role.CLINIC_ADMIN)
        response = self.client_for(other_admin).post(self.url, {"action": "cancel"})
        self.assertEqual(response.status_code, 404)
        self.invitation.refresh_from_db()
        self.assertIsNone(self.invitation.cancelled_at)
