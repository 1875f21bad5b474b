from datetime import timedelta
from decimal import Decimal

from django.test import Client
from django.utils import timezone

from ketamine_care.accounts.models import Membership
from ketamine_care.accounts.services import issue_api_token
from ketamine_care.inventory import services
from ketamine_care.inventory.models import LedgerEntry, Lot, Product
from ketamine_care.inventory.tests.test_services import LedgerTestCase
from ketamine_care.testing.base import PASSWORD
from ketamine_care.testing.inventory import make_ketamine_vials, receive, yesterday

API = "/api/v1/inventory"


def token_for(user) -> str:
    membership = Membership.objects.select_related("clinic", "user").get(user=user)
    return issue_api_token(membership=membership)[1]


class InventoryApiTests(LedgerTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.lot = receive(cls.vials, cls.clinic_admin, 2)
        cls.other_product = make_ketamine_vials(clinic=cls.other_clinic, actor=cls.outsider)
        cls.other_lot = receive(cls.other_product, cls.outsider, 1, lot_number="OTHER")
        cls.tokens = {u.pk: token_for(u) for u in (cls.nurse, cls.clinic_admin, cls.outsider)}

    def call(self, method, path, user=None, **kwargs):
        token = self.tokens[(user or self.nurse).pk]
        return getattr(Client(), method)(
            f"{API}{path}",
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            **kwargs,
        )

    def test_a_nurse_draws_and_the_entry_carries_its_unit(self):
        body = {"lot_id": str(self.lot.public_id), "quantity": "0.7", "unit": "ml"}
        response = self.call("post", "/draws", data={**body, "administration_ref": "A-1"})
        self.assertEqual(response.status_code, 201)
        entry = response.json()
        self.assertEqual((entry["kind"], entry["unit"], entry["delta"]), ("draw", "ml", "-0.70"))
        self.assertEqual(entry["balance_after"], "19.30")

    def test_drawing_more_than_the_balance_answers_409_insufficient_stock(self):
        body = {"lot_id": str(self.lot.public_id), "quantity": "3", "unit": "vial"}
        response = self.call("post", "/draws", data=body)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["error"], "insufficient_stock")
        self.assertIn("quantity", response.json()["fields"])
        self.assertEqual(LedgerEntry.objects.filter(kind="draw").count(), 0)

    def test_an_expired_lot_answers_409_lot_expired(self):
        lot = receive(self.vials, self.clinic_admin, 1, lot_number="OLD", expiry_date=yesterday())
        body = {"lot_id": str(lot.public_id), "quantity": "1", "unit": "ml"}
        response = self.call("post", "/draws", data=body)
        self.assertEqual((response.status_code, response.json()["error"]), (409, "lot_expired"))

    def test_another_clinics_lot_answers_404_and_changes_nothing(self):
        body = {"lot_id": str(self.other_lot.public_id), "quantity": "1", "unit": "ml"}
        self.assertEqual(self.call("post", "/draws", data=body).status_code, 404)
        self.assertEqual(self.call("get", f"/lots/{self.other_lot.public_id}").status_code, 404)
        receipt = {
            "product_id": str(self.other_product.public_id),
            "lot_number": "X",
            "expiry_date": "2030-01-01",
            "quantity": "1",
            "unit": "vial",
            "invoice_number": "I",
        }
        response = self.call("post", "/receipts", user=self.clinic_admin, data=receipt)
        self.assertEqual(response.status_code, 404)
        self.other_lot.refresh_from_db()
        self.assertEqual(self.other_lot.balance, 10)

    def test_lists_show_only_the_clinics_own_rows(self):
        lots = self.call("get", "/lots").json()
        self.assertEqual([lot["id"] for lot in lots], [str(self.lot.public_id)])
        entries = self.call("get", "/entries", user=self.outsider).json()
        self.assertEqual({e["lot_number"] for e in entries}, {"OTHER"})

    def test_bad_input_answers_422_naming_the_field_and_saves_nothing(self):
        before = LedgerEntry.objects.count()
        cases = [
            ({"lot_id": str(self.lot.public_id), "quantity": "-1", "unit": "ml"}, "quantity"),
            ({"lot_id": str(self.lot.public_id), "quantity": "1", "unit": "mg"}, "unit"),
            ({"lot_id": str(self.lot.public_id), "quantity": "1", "unit": "device"}, "unit"),
            ({"lot_id": "not-a-uuid", "quantity": "1", "unit": "ml"}, "lot_id"),
        ]
        for body, field in cases:
            with self.subTest(field=field, body=body):
                response = self.call("post", "/draws", data=body)
                self.assertEqual(response.status_code, 422)
                self.assertEqual(response.json()["error"], "validation_error")
                self.assertIn(field, response.json()["fields"])
        self.assertEqual(LedgerEntry.objects.count(), before)

    def test_waste_names_the_witness_field(self):
        body = {
            "lot_id": str(self.lot.public_id),
            "quantity": "0.3",
            "unit": "ml",
            "reason": "rest of vial",
            "witness_password": PASSWORD,
        }
        for witness in (self.nurse, self.front_desk, self.outsider):
            with self.subTest(witness=witness.email):
                response = self.call(
                    "post", "/wastes", data={**body, "witness_id": str(witness.public_id)}
                )
                self.assertEqual(response.status_code, 422)
                self.assertEqual(set(response.json()["fields"]), {"witness_id"})
        body["witness_id"] = str(self.prescriber.public_id)
        wrong = self.call("post", "/wastes", data={**body, "witness_password": "guess"})
        self.assertEqual(wrong.status_code, 422)
        self.assertEqual(set(wrong.json()["fields"]), {"witness_password"})
        response = self.call("post", "/wastes", data=body)
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["witness"], str(self.prescriber))

    def test_a_nurse_may_not_receive_stock(self):
        body = {
            "product_id": str(self.vials.public_id),
            "lot_number": "N",
            "expiry_date": "2030-01-01",
            "quantity": "1",
            "unit": "vial",
            "invoice_number": "I",
        }
        response = self.call("post", "/receipts", data=body)
        self.assertEqual((response.status_code, response.json()["error"]), (403, "forbidden"))
        self.assertFalse(Lot.objects.filter(lot_number="N").exists())

    def test_count_with_a_discrepancy_then_resolve(self):
        body = {"lot_id": str(self.lot.public_id), "counted_quantity": "19", "unit": "ml"}
        response = self.call("post", "/counts", user=self.clinic_admin, data=body)
        self.assertEqual(response.status_code, 201)
        discrepancy = response.json()["discrepancy"]
        self.assertEqual(discrepancy["difference"], "-1.00")
        listed = self.call("get", "/discrepancies", user=self.clinic_admin).json()
        self.assertEqual([d["id"] for d in listed], [discrepancy["id"]])
        resolve = {"note": "Broken vial found", "post_adjustment": True}
        path = f"/discrepancies/{discrepancy['id']}/resolve"
        unwitnessed = self.call("post", path, user=self.clinic_admin, data=resolve)
        self.assertEqual(set(unwitnessed.json()["fields"]), {"witness_id"})
        resolve |= {"witness_id": str(self.nurse.public_id), "witness_password": PASSWORD}
        response = self.call(
            "post",
            f"/discrepancies/{discrepancy['id']}/resolve",
            user=self.clinic_admin,
            data=resolve,
        )
        self.assertEqual(response.json()["status"], "resolved")
        self.lot.refresh_from_db()
        self.assertEqual(self.lot.balance, 19)

    def test_a_correction_is_posted_as_a_new_entry(self):
        draw = services.draw_stock(lot=self.lot, actor=self.nurse, quantity=Decimal(1), unit="ml")
        path = f"/entries/{draw.public_id}/corrections"
        response = self.call("post", path, user=self.clinic_admin, data={"reason": "Wrong lot"})
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["corrects"], str(draw.public_id))
        again = self.call("post", path, user=self.clinic_admin, data={"reason": "again"})
        self.assertEqual(again.status_code, 409)

    def test_balances_and_csv_report_as_of_a_date(self):
        today = timezone.localdate()
        earlier = (today - timedelta(days=3)).isoformat()
        self.assertEqual(self.call("get", f"/balances?as_of={earlier}").json(), [])
        rows = self.call("get", "/balances").json()
        self.assertEqual((rows[0]["closing"], rows[0]["closing_mg"]), ("20.00", "1000.00"))
        response = self.call("get", f"/report?as_of={today.isoformat()}")
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        lines = response.content.decode().splitlines()
        self.assertTrue(lines[0].startswith("date,product,drug,strength"))
        self.assertIn(",LOT-A,", lines[1])


class ProductInputTests(LedgerTestCase):
    """The schema and the form parse a product's input; the service keeps the label rules.
    Every refusal names its field, and nothing is saved."""

    def add(self, **body):
        values = {"name": "Ketamine 10 mg/mL", "drug": "ketamine", "form": "vial"}
        return Client().post(
            f"{API}/products",
            {**values, **body},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token_for(self.clinic_admin)}",
        )

    def assert_refused(self, response, field, message=None):
        self.assertEqual(response.status_code, 422, response.content)
        self.assertEqual(response.json()["error"], "validation_error")
        self.assertIn(field, response.json()["fields"])
        if message is not None:
            self.assertEqual(response.json()["fields"][field], message)

    def test_a_vial_needs_its_strength_and_volume(self):
        before = Product.objects.count()
        self.assert_refused(
            self.add(strength_mg_per_ml="10"), "volume_ml", "This field is required."
        )
        self.assert_refused(
            self.add(strength_mg_per_ml="ten", volume_ml="10"), "strength_mg_per_ml"
        )
        per_device = {"strength_mg_per_ml": "10", "volume_ml": "10", "mg_per_device": "28"}
        self.assert_refused(
            self.add(**per_device), "mg_per_device", "Not used for this dosage form."
        )
        self.assertEqual(Product.objects.count(), before)

    def test_a_blank_name_is_missing_and_the_name_is_stored_stripped(self):
        self.assert_refused(self.add(name="   ", strength_mg_per_ml="10", volume_ml="5"), "name")
        response = self.add(name="  Ketamine 10 mg/mL ", strength_mg_per_ml="10", volume_ml="5")
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["name"], "Ketamine 10 mg/mL")

    def test_esketamine_is_refused_as_a_vial_on_the_screen_too(self):
        body = {"name": "Esk vial", "drug": "esketamine", "form": "vial",
                "strength_mg_per_ml": "10", "volume_ml": "5"}  # fmt: skip
        self.assert_refused(self.add(**body), "form")
        response = self.client_for(self.clinic_admin).post("/inventory/products/add/", body)
        self.assertContains(
            response, "Esketamine is stocked as nasal spray devices.", status_code=422
        )
        self.assertFalse(Product.objects.filter(name="Esk vial").exists())
