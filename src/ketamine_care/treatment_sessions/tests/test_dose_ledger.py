"""The dose -> controlled-substance ledger path: a dose drawn from a lot posts exactly one
draw, and every refusal (wrong drug for the protocol, expired lot, a checker who may not check,
too little stock) saves nothing: no dose row, no ledger entry, no balance change, no audit.

Runs on SQLite and on PostgreSQL (`pytest --postgres`), where the draw takes a row lock."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from django.test import Client
from django.utils import timezone

from ketamine_care.accounts.models import Membership, Role
from ketamine_care.accounts.services import issue_api_token
from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.errors import ValidationFailed
from ketamine_care.inventory import services as inventory
from ketamine_care.inventory.models import LedgerEntry, Lot
from ketamine_care.inventory.services import InsufficientStock
from ketamine_care.testing.base import PASSWORD, ClinicTestCase, make_user
from ketamine_care.testing.inventory import make_esketamine_devices, make_ketamine_vials, receive
from ketamine_care.treatment_sessions import services
from ketamine_care.treatment_sessions.models import DoseAdministration
from ketamine_care.treatment_sessions.tests.factories import (
    activate,
    ago,
    complete_pre_checks,
    screened_session,
)


class DoseLedgerTestCase(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)
        cls.vials = make_ketamine_vials(clinic=cls.clinic, actor=cls.clinic_admin)
        cls.lot = receive(cls.vials, cls.clinic_admin, 2, lot_number="GOOD")
        devices = make_esketamine_devices(clinic=cls.clinic, actor=cls.clinic_admin)
        cls.esketamine_lot = receive(devices, cls.clinic_admin, 3, unit="device", lot_number="ESK")
        cls.expired_lot = receive(
            cls.vials,
            cls.clinic_admin,
            1,
            lot_number="OLD",
            expiry_date=timezone.localdate() + timedelta(days=1),
        )
        # Expired since: the receipt refuses an expired lot, so move its date afterwards.
        Lot.objects.filter(pk=cls.expired_lot.pk).update(
            expiry_date=timezone.localdate() - timedelta(days=1)
        )
        cls.expired_lot.refresh_from_db()
        cls.low_lot = receive(cls.vials, cls.clinic_admin, 1, lot_number="LOW")
        # 0.5 mL (25 mg) left: less than the 35 mg dose.
        inventory.draw_stock(lot=cls.low_lot, actor=cls.nurse, quantity=Decimal("9.5"), unit="ml")
        cls.other_nurse = make_user("nurse2@elsewhere.clinic", cls.other_clinic, Role.NURSE)
        cls.session = screened_session(cls.patient, cls.version, cls.prescriber)
        services.check_in(session=cls.session, actor=cls.nurse)
        services.start_pre_assessment(session=cls.session, actor=cls.nurse)
        complete_pre_checks(cls.session, cls.nurse)
        services.start_dosing(session=cls.session, actor=cls.nurse)
        cls.session.refresh_from_db()

    def dose(self, **overrides):
        values = {
            "session": self.session,
            "actor": self.nurse,
            "checked_by": self.prescriber,
            "checked_by_password": PASSWORD,
            "dose_mg": Decimal(str(self.session.pre_checks.calculated_dose_mg)),
            "lot": self.lot,
            "infusion_started_at": ago(5),
        }
        values.update(overrides)
        return services.record_dose(**values)

    def snapshot(self):
        return (
            DoseAdministration.objects.count(),
            LedgerEntry.objects.count(),
            list(Lot.objects.order_by("pk").values_list("balance", flat=True)),
            AuditEvent.objects.filter(event_type__in=["dose.administered", "ledger.drawn"]).count(),
        )

    def assert_refused(self, field: str, **overrides) -> ValidationFailed:
        before = self.snapshot()
        with self.assertRaises(ValidationFailed) as caught:
            self.dose(**overrides)
        self.assertIn(field, caught.exception.fields)
        self.assertEqual(self.snapshot(), before)
        self.session.refresh_from_db()
        self.assertIsNone(self.session.dose_started_at)
        return caught.exception


class DoseDrawTests(DoseLedgerTestCase):
    def test_a_dose_from_a_lot_posts_one_draw_linked_to_the_dose(self):
        row = self.dose()
        entry = row.ledger_entry
        self.assertEqual((entry.kind, entry.lot_id), ("draw", self.lot.pk))
        # 35 mg of 50 mg/mL is 0.70 mL, from 20 mL.
        self.assertEqual(entry.quantity, Decimal("0.70"))
        self.lot.refresh_from_db()
        self.assertEqual(self.lot.balance, Decimal("19.30"))
        self.assertEqual(entry.administration_ref, str(row.public_id))
        self.assertEqual(LedgerEntry.objects.filter(lot=self.lot, kind="draw").count(), 1)

    def test_the_product_and_lot_come_from_the_ledger_lot(self):
        row = self.dose(product="typed by hand", lot_number="TYPED")
        self.assertEqual((row.product, row.lot_number), (self.vials.name, "GOOD"))

    def test_a_second_dose_is_refused_and_draws_nothing_more(self):
        self.dose()
        before = self.snapshot()
        with self.assertRaises(ValidationFailed):
            self.dose()
        self.assertEqual(self.snapshot(), before)


class DoseRefusalTests(DoseLedgerTestCase):
    def test_a_lot_of_another_drug_than_the_protocols_is_refused(self):
        error = self.assert_refused("lot_id", lot=self.esketamine_lot)
        self.assertIn("esketamine", error.fields["lot_id"])

    def test_an_expired_lot_is_refused(self):
        self.assert_refused("expiry_date", lot=self.expired_lot)

    def test_too_little_stock_is_refused_and_nothing_is_saved(self):
        before = self.snapshot()
        with self.assertRaises(InsufficientStock):
            self.dose(lot=self.low_lot)
        self.assertEqual(self.snapshot(), before)
        self.session.refresh_from_db()
        self.assertIsNone(self.session.dose_started_at)


class DoseCheckerTests(DoseLedgerTestCase):
    """Only a nurse, prescriber or medical director of the same clinic checks a dose."""

    def test_a_medical_director_may_check(self):
        row = self.dose(checked_by=self.medical_director)
        self.assertEqual(row.checked_by, self.medical_director)

    def test_a_nurse_may_check_a_prescribers_dose(self):
        row = self.dose(actor=self.prescriber, checked_by=self.nurse)
        self.assertEqual(row.checked_by, self.nurse)

    def test_non_clinical_roles_are_refused_naming_checked_by(self):
        for role in (Role.FRONT_DESK, Role.CLINIC_ADMIN, Role.THERAPIST, Role.RESEARCHER):
            with self.subTest(role=role):
                error = self.assert_refused("checked_by", checked_by=self.users[role.value])
                self.assertIn(role.label.lower(), error.fields["checked_by"])

    def test_a_clinician_of_another_clinic_is_refused(self):
        for checker in (self.outsider, self.other_nurse):
            with self.subTest(checker=checker.email):
                error = self.assert_refused("checked_by", checked_by=checker)
                self.assertIn("this clinic", error.fields["checked_by"])

    def test_the_giver_cannot_check_their_own_dose(self):
        self.assert_refused("checked_by", checked_by=self.nurse)

    def test_no_checker_is_refused(self):
        self.assert_refused("checked_by", checked_by=None)

    def test_a_checker_whose_membership_is_inactive_is_refused(self):
        Membership.objects.filter(user=self.prescriber, clinic=self.clinic).update(is_active=False)
        self.assert_refused("checked_by", checked_by=self.prescriber)


class DoseRoutesTests(DoseLedgerTestCase):
    """The screen and the API name the field and save nothing on a refused dose."""

    def form(self, **overrides):
        body = {
            "dose_mg": "35",
            "lot_id": str(self.lot.public_id),
            "infusion_started_at": ago(5).strftime("%Y-%m-%dT%H:%M"),
            "checked_by_email": self.prescriber.email,
            "checked_by_password": PASSWORD,
        }
        body.update(overrides)
        return body

    def post_form(self, **overrides):
        url = f"/sessions/{self.session.public_id}/dose/"
        return self.client_for(self.nurse).post(url, self.form(**overrides))

    def post_api(self, **overrides):
        token = issue_api_token(membership=self.membership(self.nurse))[1]
        body = self.form(**overrides)
        body["infusion_started_at"] = ago(5).isoformat()
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
            f"/api/v1/treatment-sessions/{self.session.public_id}/dose",
            body,
            content_type="application/json",
        )

    def test_an_unknown_lot_is_refused_not_dosed_without_a_draw(self):
        before = self.snapshot()
        for response in (
            self.post_form(lot_id=str(uuid.uuid4())),
            self.post_api(lot_id=str(uuid.uuid4())),
        ):
            self.assertEqual(response.status_code, 422)
            self.assertIn(b"No such lot", response.content)
        self.assertEqual(self.snapshot(), before)

    def test_a_front_desk_checker_is_refused_by_the_api_naming_checked_by(self):
        before = self.snapshot()
        response = self.post_api(checked_by_email=self.front_desk.email)
        self.assertEqual(response.status_code, 422)
        self.assertIn("checked_by", response.json()["fields"])
        self.assertEqual(self.snapshot(), before)

    def test_the_screen_posts_the_draw(self):
        response = self.post_form()
        self.assertEqual(response.status_code, 302)
        self.assertEqual(LedgerEntry.objects.filter(lot=self.lot, kind="draw").count(), 1)

    def test_a_dose_that_is_not_above_zero_is_refused_naming_dose_mg(self):
        self.assert_refused("dose_mg", dose_mg=Decimal("0"))
        before = self.snapshot()
        response = self.post_form(dose_mg="-5")
        self.assertContains(response, "Enter a number above 0.", status_code=422)
        for bad in ("-5", "a lot"):
            response = self.post_api(dose_mg=bad)
            self.assertEqual(response.status_code, 422)
            self.assertIn("dose_mg", response.json()["fields"])
        self.assertEqual(self.snapshot(), before)

    def test_blank_label_text_without_a_lot_counts_as_missing(self):
        before = self.snapshot()
        blank = {
            "lot_id": None,
            "product": "   ",
            "lot_number": " \t ",
            "expiry_date": "2099-01-01",
        }
        response = self.post_api(**blank)
        self.assertEqual(response.status_code, 422)
        self.assertEqual(
            {k: response.json()["fields"].get(k) for k in ("product", "lot_number")},
            {"product": "This field is required.", "lot_number": "This field is required."},
        )
        response = self.post_form(**{**blank, "lot_id": ""})
        self.assertContains(response, "This field is required.", status_code=422)
        self.assertEqual(self.snapshot(), before)
