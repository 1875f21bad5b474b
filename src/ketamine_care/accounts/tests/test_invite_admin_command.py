"""`ketamine-care invite-admin` bootstraps a clinic's first clinic admin by invitation."""

from __future__ import annotations

import io
import re

from django.core import mail
from django.core.management import CommandError, call_command
from django.test import TestCase

from ketamine_care.accounts.models import Clinic, Invitation, Membership, Role
from ketamine_care.audit.models import AuditEvent

ARGS = ["--clinic", "New Clinic", "--email", "boss@new.clinic", "--name", "Bo Boss"]


class InviteAdminCommandTests(TestCase):
    def run_command(self, *extra) -> str:
        out = io.StringIO()
        with self.captureOnCommitCallbacks(execute=True):
            call_command("invite-admin", *ARGS, *extra, stdout=out)
        return out.getvalue()

    def test_the_clinic_is_created_and_the_admin_invited_by_mail(self):
        out = self.run_command("--base-url", "https://kc.example/")
        clinic = Clinic.objects.get(name="New Clinic")
        invitation = Invitation.objects.get(clinic=clinic)
        self.assertEqual((invitation.role, invitation.invited_by), (Role.CLINIC_ADMIN, None))
        link = re.search(r"https://kc\.example/accounts/invitation/\S+/", out).group(0)
        self.assertIn(link, mail.outbox[0].body)
        self.assertTrue(AuditEvent.objects.filter(event_type="invitation.sent", clinic=clinic))
        path = link.removeprefix("https://kc.example")
        password = "the first admin's password"
        self.client.post(path, {"password1": password, "password2": password})
        membership = Membership.objects.get(clinic=clinic)
        self.assertEqual(membership.role, Role.CLINIC_ADMIN)

    def test_bad_input_is_refused_with_the_reason(self):
        with self.assertRaisesMessage(CommandError, "--base-url"):
            self.run_command("--base-url", "kc.example")
        self.run_command("--base-url", "https://kc.example")
        with self.assertRaisesMessage(CommandError, "open invitation"):
            self.run_command("--base-url", "https://kc.example")
        self.assertEqual(Invitation.objects.count(), 1)
