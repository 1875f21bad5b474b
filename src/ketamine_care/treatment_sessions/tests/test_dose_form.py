"""The dose form and its ledger draw: prefilled from the calculator, the lot picked from the
clinic's usable lots of the protocol's drug, the second clinician confirming with their own
password (the witness check of `inventory.witness`), and nothing saved half-way."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from unittest import mock

from django.test import Client, RequestFactory
from django.utils import timezone

from ketamine_care.accounts.services import issue_api_token
from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.errors import ValidationFailed
from ketamine_care.inventory.models import LedgerEntry
from ketamine_care.testing.base import PASSWORD
from ketamine_care.testing.inventory import make_ketamine_vials, receive
from ketamine_care.treatment_sessions.models import DoseAdministration
from ketamine_care.treatment_sessions.tests.factories import activate, ago, screened_session
from ketamine_care.treatment_sessions.tests.test_dose_ledger import DoseLedgerTestCase
from ketamine_care.treatment_sessions.views.page import dose_form


class DoseFormTests(DoseLedgerTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        vials = make_ketamine_vials(clinic=cls.other_clinic, actor=cls.outsider)
        cls.foreign_lot = receive(vials, cls.outsider, 2, lot_number="ELSEWHERE")

    def page(self) -> str:
        response = self.client_for(self.nurse).get(f"/sessions/{self.session.public_id}/")
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def lot_options(self) -> str:
        html = self.page()
        select = re.search(r'<select name="lot_id".*?</select>', html, re.S)
        self.assertIsNotNone(select, "the dose form picks its lot from a list")
        return select.group(0)

    def test_the_dose_is_prefilled_from_the_calculator_and_the_start_is_now(self):
        form = dose_form(self.request(), self.session)
        self.assertEqual(form.initial["dose_mg"], Decimal("35.0"))
        started = form.initial["infusion_started_at"]
        self.assertLess(abs(timezone.now() - started), timedelta(minutes=1))
        html = self.page()
        self.assertRegex(html, r'name="dose_mg" value="35(\.0+)?"')
        self.assertIn(f'value="{timezone.localtime(started):%Y-%m-%dT%H:%M}"', html)

    def test_the_lots_offered_are_the_clinics_unexpired_ones_with_enough_for_the_dose(self):
        options = self.lot_options()
        # Product, lot number and expiry are shown for the lot that can give 35 mg.
        self.assertIn(f'value="{self.lot.public_id}"', options)
        self.assertIn(
            f"{self.vials.name} · lot GOOD · exp {self.lot.expiry_date:%Y-%m-%d}", options
        )
        for refused in (self.expired_lot, self.low_lot, self.esketamine_lot, self.foreign_lot):
            with self.subTest(lot=refused.lot_number):
                self.assertNotIn(str(refused.public_id), options)

    def test_the_second_clinician_is_chosen_among_the_clinics_other_clinicians(self):
        html = self.page()
        select = re.search(r'<select name="checked_by_email".*?</select>', html, re.S).group(0)
        self.assertIn(self.prescriber.email, select)
        self.assertIn(self.medical_director.email, select)
        for other in (self.nurse, self.front_desk, self.clinic_admin, self.outsider):
            with self.subTest(user=other.email):
                self.assertNotIn(other.email, select)
        self.assertIn('type="password" name="checked_by_password"', html)

    def test_device_times_are_asked_only_for_esketamine(self):
        form = dose_form(self.request(), self.session)
        self.assertNotIn("device_times", form.fields)
        self.assertIn("infusion_started_at", form.fields)
        esketamine = activate(self.clinic, self.medical_director, "esketamine-trd-label")
        session = screened_session(
            self.patient, esketamine, self.prescriber, "esketamine-trd-label"
        )
        form = dose_form(self.request(), session)
        self.assertIn("device_times", form.fields)
        self.assertNotIn("infusion_started_at", form.fields)
        self.assertNotIn("infusion_ended_at", form.fields)

    def request(self):
        request = RequestFactory().get("/")
        request.user = self.nurse
        return request


class DoseSavedWholeOrNotAtAllTests(DoseLedgerTestCase):
    def post_form(self, **overrides):
        body = {
            "dose_mg": "35",
            "lot_id": str(self.lot.public_id),
            "infusion_started_at": ago(5).strftime("%Y-%m-%dT%H:%M"),
            "checked_by_email": self.prescriber.email,
            "checked_by_password": PASSWORD,
        }
        body.update(overrides)
        return self.client_for(self.nurse).post(f"/sessions/{self.session.public_id}/dose/", body)

    def assert_nothing_saved(self, before) -> None:
        self.assertEqual(self.snapshot(), before)
        self.session.refresh_from_db()
        self.assertIsNone(self.session.dose_started_at)

    def test_a_failing_ledger_post_saves_no_dose(self):
        before = self.snapshot()
        with (
            mock.patch(
                "ketamine_care.treatment_sessions.services.dose.draw_for_administration",
                side_effect=RuntimeError("the ledger is down"),
            ),
            self.assertRaises(RuntimeError),
        ):
            self.dose()
        self.assert_nothing_saved(before)

    def test_a_wrong_password_of_the_second_clinician_saves_nothing(self):
        before = self.snapshot()
        error = self.assert_refused("checked_by_password", checked_by_password="not theirs")
        self.assertIn("not correct", error.fields["checked_by_password"])
        self.assert_refused("checked_by_password", checked_by_password="")
        # The failed confirmation is audited; the dose and the draw are not.
        failed = AuditEvent.objects.filter(event_type="ledger.witness_confirmation_failed")
        self.assertEqual(failed.count(), 1)
        self.assertEqual(failed.get().object_id, str(self.prescriber.public_id))
        self.assertEqual(self.snapshot()[:3], before[:3])

    def test_the_password_is_the_checkers_own_not_the_givers(self):
        self.nurse.set_password("the nurse's own password")
        self.nurse.save()
        self.assert_refused("checked_by_password", checked_by_password="the nurse's own password")

    def test_the_screen_names_the_field_of_each_refusal_and_saves_nothing(self):
        before = self.snapshot()
        cases = {
            "wrong password": ({"checked_by_password": "wrong"}, "checked_by_password"),
            "expired lot": ({"lot_id": str(self.expired_lot.public_id)}, "lot_id"),
            "too little stock": ({"lot_id": str(self.low_lot.public_id)}, "lot_id"),
            "no lot": ({"lot_id": ""}, "lot_id"),
        }
        for name, (overrides, field) in cases.items():
            with self.subTest(name):
                response = self.post_form(**overrides)
                self.assertEqual(response.status_code, 422)
                errors = response.context["forms"]["dose"].errors
                self.assertIn(field, errors, errors)
        self.assert_nothing_saved(before)

    def test_another_clinics_lot_is_refused_naming_the_lot(self):
        vials = make_ketamine_vials(clinic=self.other_clinic, actor=self.outsider)
        foreign = receive(vials, self.outsider, 2, lot_number="ELSEWHERE")
        before = self.snapshot()
        response = self.post_form(lot_id=str(foreign.public_id))
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.context["forms"]["dose"].errors["lot_id"], ["No such lot here."])
        with self.assertRaises(ValidationFailed):
            self.dose(lot=foreign)
        self.assert_nothing_saved(before)
        foreign.refresh_from_db()
        self.assertEqual(foreign.balance, Decimal("20.00"))

    def test_the_api_asks_for_the_checkers_password_too(self):
        token = issue_api_token(membership=self.membership(self.nurse))[1]
        body = {
            "dose_mg": "35",
            "lot_id": str(self.lot.public_id),
            "infusion_started_at": ago(5).isoformat(),
            "checked_by_email": self.prescriber.email,
            "checked_by_password": "wrong",
        }
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        url = f"/api/v1/treatment-sessions/{self.session.public_id}/dose"
        before = self.snapshot()
        response = client.post(url, body, content_type="application/json")
        self.assertEqual(response.status_code, 422)
        self.assertIn("checked_by_password", response.json()["fields"])
        del body["checked_by_password"]
        response = client.post(url, body, content_type="application/json")
        self.assertEqual(response.status_code, 422)
        self.assert_nothing_saved(before)
        body["checked_by_password"] = PASSWORD
        response = client.post(url, body, content_type="application/json")
        self.assertEqual(response.status_code, 201)
        self.assertEqual(DoseAdministration.objects.count(), before[0] + 1)
        self.assertEqual(LedgerEntry.objects.filter(lot=self.lot, kind="draw").count(), 1)
