"""Minimum necessary in transit and at rest in the browser (issue 9 item 8): no patient data in
a cache, and a Content-Security-Policy that lets no inline script run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from ketamine_care.accounts.services import issue_api_token
from ketamine_care.testing.base import ClinicTestCase

# Screens and forms over the ORM's portable queries: what they show, refuse and save is the
# same on both engines. The SQL under them that is not (row locks, the search statements, the
# audit and vitals inserts, windows, triggers) has its own tests in both passes
# (docs/TESTING.md, "Which tests run twice"). Checked once, in the SQLite pass.
pytestmark = pytest.mark.only_on("sqlite")

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "ketamine_care"
# An inline <script> (one without src=), an on*= event handler, a javascript: URL or an
# inline style: all refused by the policy, so none may ship in a template.
_INLINE = [
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    re.compile(r"javascript:", re.I),
    re.compile(r"<style\b|\sstyle\s*=", re.I),
    re.compile(r"\bhx-on", re.I),
]


class CacheControlTests(ClinicTestCase):
    def test_pages_with_patient_data_are_not_stored(self):
        client = self.client_for(self.prescriber)
        for url in (
            f"/patients/{self.patient.public_id}/",
            "/patients/?q=Test",
            "/inventory/report.csv",
        ):
            with self.subTest(url=url):
                response = client.get(url)
                self.assertLess(response.status_code, 400)
                self.assertEqual(response["Cache-Control"], "no-store")

    def test_api_answers_are_not_stored(self):
        token = issue_api_token(membership=self.membership(self.prescriber))[1]
        response = Client().get(
            f"/api/v1/patients/{self.patient.public_id}", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Cache-Control"], "no-store")

    def test_error_answers_and_sign_in_are_not_stored(self):
        self.assertEqual(Client().get("/api/v1/patients")["Cache-Control"], "no-store")
        self.assertEqual(Client().get("/accounts/login/")["Cache-Control"], "no-store")


class ContentSecurityPolicyTests(ClinicTestCase):
    def policy(self, response) -> dict[str, list[str]]:
        header = response["Content-Security-Policy"]
        return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}

    def test_pages_carry_a_policy_without_inline_script(self):
        client = self.client_for(self.prescriber)
        for url in (f"/patients/{self.patient.public_id}/", "/accounts/login/"):
            with self.subTest(url=url):
                policy = self.policy(client.get(url))
                self.assertEqual(policy["script-src"], ["'self'"])
                self.assertEqual(policy["style-src"], ["'self'"])
                self.assertEqual(policy["object-src"], ["'none'"])
                self.assertEqual(policy["frame-ancestors"], ["'none'"])
                self.assertNotIn("'unsafe-inline'", policy["default-src"])

    def test_no_template_has_inline_script_handlers_or_styles(self):
        offenders = []
        for template in PACKAGE.rglob("*.html"):
            text = template.read_text(encoding="utf-8")
            for pattern in _INLINE:
                for match in pattern.finditer(text):
                    offenders.append(f"{template.relative_to(PACKAGE)}: {match.group(0)[:60]}")
        self.assertEqual(offenders, [])

    def test_htmx_runs_without_eval_or_injected_styles(self):
        base = (PACKAGE / "templates" / "_base.html").read_text(encoding="utf-8")
        self.assertIn('"allowEval":false', base)
        self.assertIn('"includeIndicatorStyles":false', base)
        # Settling copies style attributes with setAttribute, which the policy refuses.
        self.assertIn('"attributesToSettle":["class","width","height"]', base)
