"""Password reset by e-mail (issue 12 item 1): the same answer whether or not the address
exists, throttled in the shared cache, single-use, and refused for someone whose access has
ended."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings

from ketamine_care.accounts.models import Membership
from ketamine_care.audit.models import AuditEvent
from ketamine_care.testing.base import PASSWORD, ClinicTestCase
from ketamine_care.testing.jobs import run_worker

# Screens and forms over the ORM's portable queries: what they show, refuse and save is the
# same on both engines. The SQL under them that is not (row locks, the search statements, the
# audit and vitals inserts, windows, triggers) has its own tests in both passes
# (docs/TESTING.md, "Which tests run twice"). Checked once, in the SQLite pass.
pytestmark = pytest.mark.only_on("sqlite")

NEW_PASSWORD = "another long password 2026"
LINK = re.compile(r"https?://[^/\s]+(/accounts/password-reset/[^\s]+/)")


def _without_secrets(content: bytes) -> bytes:
    return re.sub(rb"[A-Za-z0-9_+/=-]{20,}", b"", content)


class PasswordResetTests(ClinicTestCase):
    def setUp(self):
        cache.clear()

    def ask(self, email: str, client=None):
        response = (client or Client()).post("/accounts/password-reset/", {"email": email})
        run_worker()  # the e-mail is a job
        return response

    def test_the_answer_is_the_same_whether_or_not_the_address_exists(self):
        known = self.ask(self.nurse.email)
        unknown = self.ask("nobody@nowhere.example")
        self.assertEqual(known.status_code, unknown.status_code)
        # Identical but for the per-response CSRF token and script nonce.
        self.assertEqual(_without_secrets(known.content), _without_secrets(unknown.content))
        self.assertContains(known, "If this address belongs to an account")
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, [self.nurse.email])
        events = AuditEvent.objects.filter(event_type="user.password_reset_requested")
        self.assertEqual(events.count(), 2)

    def test_the_link_sets_a_new_password_once_and_ends_other_sessions(self):
        other_session = self.client_for(self.nurse)
        self.ask(self.nurse.email)
        link = LINK.search(mail.outbox[0].body).group(1)
        browser = Client()
        form_page = browser.get(link, follow=True)
        self.assertContains(form_page, "Choose a new password")
        data = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        response = browser.post(form_page.redirect_chain[-1][0], data)
        self.assertRedirects(response, "/accounts/login/", fetch_redirect_response=False)
        self.nurse.refresh_from_db()
        self.assertTrue(self.nurse.check_password(NEW_PASSWORD))
        self.assertTrue(AuditEvent.objects.filter(event_type="user.password_reset").exists())
        self.assertEqual(other_session.get("/patients/").status_code, 302)  # signed out
        reused = Client().get(link, follow=True)
        self.assertContains(reused, "This link cannot be used")

    def test_a_weak_new_password_is_refused(self):
        self.ask(self.nurse.email)
        browser = Client()
        page = browser.get(LINK.search(mail.outbox[0].body).group(1), follow=True)
        data = {"new_password1": "short", "new_password2": "short"}
        response = browser.post(page.redirect_chain[-1][0], data)
        self.assertContains(response, "too short")
        self.nurse.refresh_from_db()
        self.assertTrue(self.nurse.check_password(PASSWORD))

    def test_someone_whose_access_ended_gets_no_mail_and_their_link_is_refused(self):
        self.ask(self.nurse.email)
        link = LINK.search(mail.outbox[0].body).group(1)
        Membership.objects.filter(user=self.nurse).update(is_active=False)
        response = Client().get(link, follow=True)
        self.assertContains(response, "This link cannot be used")
        answer = self.ask(self.nurse.email)
        self.assertContains(answer, "If this address belongs to an account")
        self.assertEqual(len(mail.outbox), 1)  # no second mail

    @override_settings(PASSWORD_RESETS_PER_HOUR=2)
    def test_requests_are_throttled_per_address_with_the_same_answer(self):
        for _ in range(2):
            self.assertEqual(self.ask(self.nurse.email).status_code, 200)
        third = self.ask(self.nurse.email)
        self.assertEqual(third.status_code, 429)
        self.assertContains(third, "Too many reset requests", status_code=429)
        unknown = self.ask("nobody@nowhere.example")
        self.ask("nobody@nowhere.example")
        self.assertEqual(self.ask("nobody@nowhere.example").status_code, 429)
        self.assertEqual(unknown.status_code, 200)
        self.assertEqual(len(mail.outbox), 2)

    def test_the_sign_in_page_links_to_the_reset(self):
        self.assertContains(Client().get("/accounts/login/"), "/accounts/password-reset/")
