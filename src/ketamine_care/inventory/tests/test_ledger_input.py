"""The ledger's schemas and forms parse the input (quantities as Decimal, text stripped, dates as
dates); the services keep the rules. A bad quantity or a blank text is refused through the API
and through the form alike, naming its field, and nothing is saved."""

from decimal import Decimal

import pytest
from django.test import Client

from ketamine_care.inventory.models import Discrepancy, LedgerEntry, Lot
from ketamine_care.inventory.reconciliation import record_count
from ketamine_care.inventory.tests.test_api import API, token_for
from ketamine_care.inventory.tests.test_services import LedgerTestCase
from ketamine_care.testing.base import PASSWORD
from ketamine_care.testing.inventory import receive

# Screens and forms over the ORM's portable queries: what they show, refuse and save is the
# same on both engines. The SQL under them that is not (row locks, the search statements, the
# audit and vitals inserts, windows, triggers) has its own tests in both passes
# (docs/TESTING.md, "Which tests run twice"). Checked once, in the SQLite pass.
pytestmark = pytest.mark.only_on("sqlite")

# Not a number; zero; a negative; finer than 0.01; vials that are not whole (refused by the
# service's unit rule); more than 1,000 vials in one entry (refused by the service's ceiling).
BAD_QUANTITIES = [
    ("ten", "ml"),
    ("0", "ml"),
    ("-1", "ml"),
    ("0.005", "ml"),
    ("1.5", "vial"),
    ("1001", "vial"),
]


class LedgerInputCase(LedgerTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.lot = receive(cls.vials, cls.clinic_admin, 2)
        cls.tokens = {u.pk: token_for(u) for u in (cls.nurse, cls.clinic_admin)}

    def post(self, path, body, user=None):
        return Client().post(
            f"{API}{path}",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {self.tokens[(user or self.clinic_admin).pk]}",
        )

    def assert_refused(self, response, field):
        self.assertEqual(response.status_code, 422, response.content)
        self.assertEqual(response.json()["error"], "validation_error")
        self.assertIn(field, response.json()["fields"])

    def witnessed(self) -> dict:
        return {"witness_id": str(self.prescriber.public_id), "witness_password": PASSWORD}

    def api_bodies(self) -> dict[str, tuple[str, dict]]:
        """A valid body for every quantity-moving operation, and who may send it."""
        lot, product = str(self.lot.public_id), str(self.vials.public_id)
        arrival = {"product_id": product, "lot_number": "NEW-1", "expiry_date": "2040-01-01"}
        return {
            "/receipts": ({**arrival, "invoice_number": "INV-9"}, self.clinic_admin),
            "/draws": ({"lot_id": lot}, self.nurse),
            "/wastes": ({"lot_id": lot, "reason": "rest", **self.witnessed()}, self.nurse),
            "/transfers": (
                {"direction": "in", **arrival, "counterparty": "Sister clinic", "reason": "loan"},
                self.clinic_admin,
            ),
            "/adjustments": (
                {"lot_id": lot, "direction": "decrease", "reason": "spill", **self.witnessed()},
                self.clinic_admin,
            ),
        }


class ApiQuantityTests(LedgerInputCase):
    def test_a_bad_quantity_is_refused_naming_quantity_and_nothing_is_saved(self):
        entries, lots = LedgerEntry.objects.count(), Lot.objects.count()
        for path, (body, user) in self.api_bodies().items():
            for quantity, unit in BAD_QUANTITIES:
                with self.subTest(path=path, quantity=quantity, unit=unit):
                    sent = {**body, "quantity": quantity, "unit": unit}
                    self.assert_refused(self.post(path, sent, user), "quantity")
        self.assertEqual((LedgerEntry.objects.count(), Lot.objects.count()), (entries, lots))

    def test_the_same_bodies_with_a_good_quantity_are_recorded(self):
        for path, (body, user) in self.api_bodies().items():
            with self.subTest(path=path):
                response = self.post(path, {**body, "quantity": "0.5", "unit": "ml"}, user)
                self.assertEqual(response.status_code, 201, response.content)
                self.assertEqual(response.json()["quantity"], "0.50")

    def test_a_bad_count_is_refused_naming_counted_quantity(self):
        lot = str(self.lot.public_id)
        for counted in ("ten", "-1", "0.005", "1.5"):
            with self.subTest(counted=counted):
                unit = "vial" if counted == "1.5" else "ml"
                body = {"lot_id": lot, "counted_quantity": counted, "unit": unit}
                self.assert_refused(self.post("/counts", body), "counted_quantity")
        self.assertFalse(LedgerEntry.objects.filter(kind="count").exists())


class ApiTextTests(LedgerInputCase):
    def test_blank_text_counts_as_missing(self):
        lot = str(self.lot.public_id)
        amount = {"quantity": "1", "unit": "ml"}
        bodies = self.api_bodies()
        cases = [
            ("/receipts", {**bodies["/receipts"][0], "invoice_number": "  "}, "invoice_number"),
            ("/receipts", {**bodies["/receipts"][0], "lot_number": " "}, "lot_number"),
            ("/transfers", {**bodies["/transfers"][0], "counterparty": " "}, "counterparty"),
            ("/adjustments", {**bodies["/adjustments"][0], "reason": "\t "}, "reason"),
        ]
        for path, body, field in cases:
            with self.subTest(path=path, field=field):
                self.assert_refused(self.post(path, {**body, **amount}), field)
        waste = {**bodies["/wastes"][0], **amount, "reason": "   "}
        self.assert_refused(self.post("/wastes", waste, self.nurse), "reason")
        self.assertEqual(LedgerEntry.objects.count(), 1)  # the receipt of the set-up
        count = {"lot_id": lot, "counted_quantity": "19", "unit": "ml"}
        self.assertEqual(self.post("/counts", count).status_code, 201)
        discrepancy = Discrepancy.objects.get()
        resolve = {"note": "  ", "post_adjustment": False}
        path = f"/discrepancies/{discrepancy.public_id}/resolve"
        self.assert_refused(self.post(path, resolve), "note")
        receipt = LedgerEntry.objects.get(kind="receipt")
        correction = f"/entries/{receipt.public_id}/corrections"
        self.assert_refused(self.post(correction, {"reason": " "}), "reason")
        self.assertFalse(LedgerEntry.objects.filter(kind="correction").exists())

    def test_text_is_stored_stripped(self):
        body, user = self.api_bodies()["/transfers"]
        sent = {**body, "lot_number": " T-7 ", "counterparty": " Sister clinic ", "quantity": "1"}
        response = self.post("/transfers", {**sent, "unit": "vial", "reason": " loan\n"}, user)
        self.assertEqual(response.status_code, 201, response.content)
        entry = LedgerEntry.objects.get(public_id=response.json()["id"])
        self.assertEqual(
            (entry.lot.lot_number, entry.counterparty, entry.reason),
            ("T-7", "Sister clinic", "loan"),
        )

    def test_a_witness_password_is_checked_as_typed(self):
        body = {**self.api_bodies()["/wastes"][0], "quantity": "0.3", "unit": "ml"}
        padded = self.post("/wastes", {**body, "witness_password": f" {PASSWORD} "}, self.nurse)
        self.assert_refused(padded, "witness_password")
        self.assertFalse(LedgerEntry.objects.filter(kind="waste").exists())


class FormQuantityTests(LedgerInputCase):
    def form_posts(self) -> dict[str, tuple[dict, object]]:
        lot, product = self.lot.public_id, self.vials.public_id
        arrival = {"product": product, "lot_number": "NEW-1", "expiry_date": "2040-01-01"}
        witness = {"witness": self.prescriber.public_id, "witness_password": PASSWORD}
        return {
            "receive": ({**arrival, "invoice_number": "INV-9"}, self.clinic_admin),
            "draw": ({"lot": lot}, self.nurse),
            "waste": ({"lot": lot, "reason": "rest", **witness}, self.nurse),
            "transfer": (
                {"direction": "in", **arrival, "counterparty": "Sister", "reason": "loan"},
                self.clinic_admin,
            ),
            "adjust": (
                {"lot": lot, "direction": "decrease", "reason": "spill", **witness},
                self.clinic_admin,
            ),
        }

    def test_a_bad_quantity_is_shown_at_the_quantity_field_and_nothing_is_saved(self):
        entries, lots = LedgerEntry.objects.count(), Lot.objects.count()
        for name, (data, user) in self.form_posts().items():
            for quantity, unit in BAD_QUANTITIES:
                with self.subTest(form=name, quantity=quantity, unit=unit):
                    sent = {**data, "quantity": quantity, "unit": unit}
                    response = self.client_for(user).post(f"/inventory/{name}/", sent)
                    self.assertEqual(response.status_code, 422)
                    form = next(p["form"] for p in response.context["panels"] if p["open"])
                    self.assertIn("quantity", form.errors)
        self.assertEqual((LedgerEntry.objects.count(), Lot.objects.count()), (entries, lots))

    def test_a_bad_count_is_shown_at_the_count_field(self):
        for counted, unit in (("ten", "ml"), ("-1", "ml"), ("1.5", "vial")):
            with self.subTest(counted=counted):
                data = {"lot": self.lot.public_id, "counted_quantity": counted, "unit": unit}
                response = self.client_for(self.clinic_admin).post("/inventory/count/", data)
                self.assertEqual(response.status_code, 422)
                form = next(p["form"] for p in response.context["panels"] if p["open"])
                self.assertIn("counted_quantity", form.errors)
        self.assertFalse(LedgerEntry.objects.filter(kind="count").exists())

    def test_a_blank_reason_is_shown_at_the_reason_field(self):
        data, user = self.form_posts()["waste"]
        sent = {**data, "quantity": "0.3", "unit": "ml", "reason": "   "}
        response = self.client_for(user).post("/inventory/waste/", sent)
        self.assertEqual(response.status_code, 422)
        form = next(p["form"] for p in response.context["panels"] if p["open"])
        self.assertIn("reason", form.errors)
        self.assertFalse(LedgerEntry.objects.filter(kind="waste").exists())

    def test_a_count_from_the_form_is_recorded_with_its_discrepancy(self):
        data = {"lot": self.lot.public_id, "counted_quantity": "19.50", "unit": "ml"}
        self.client_for(self.clinic_admin).post("/inventory/count/", data)
        self.assertEqual(Discrepancy.objects.get().difference, Decimal("-0.50"))


class ServiceRuleTests(LedgerInputCase):
    def test_a_count_keeps_its_rules_on_typed_input(self):
        entry, discrepancy = record_count(
            lot=self.lot, actor=self.clinic_admin, counted_quantity=Decimal(2), unit="vial"
        )
        self.assertEqual((entry.quantity, discrepancy), (Decimal("20.00"), None))
