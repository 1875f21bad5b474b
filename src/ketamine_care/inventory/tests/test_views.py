from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from ketamine_care.inventory.models import Discrepancy, LedgerEntry
from ketamine_care.inventory.reconciliation import record_count
from ketamine_care.inventory.tests.test_services import LedgerTestCase
from ketamine_care.testing.base import PASSWORD
from ketamine_care.testing.inventory import make_ketamine_vials, receive


class LedgerPageTests(LedgerTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.lot = receive(cls.vials, cls.clinic_admin, 2)
        other = make_ketamine_vials(clinic=cls.other_clinic, actor=cls.outsider)
        cls.other_lot = receive(other, cls.outsider, 1, lot_number="ELSEWHERE")

    def test_a_nurse_sees_stock_and_the_draw_and_waste_forms_only(self):
        response = self.client_for(self.nurse).get("/inventory/")
        self.assertContains(response, "LOT-A")
        self.assertContains(response, "20.00 mL")
        self.assertContains(response, "Record draw")
        self.assertContains(response, "Record witnessed waste")
        self.assertNotContains(response, "Record receipt")
        self.assertNotContains(response, "ELSEWHERE")
        self.assertContains(response, 'href="/inventory/"')  # nav link

    def test_the_clinic_admin_sees_the_management_forms_and_open_discrepancies(self):
        record_count(lot=self.lot, actor=self.clinic_admin, counted_quantity=Decimal(19), unit="ml")
        response = self.client_for(self.clinic_admin).get("/inventory/")
        self.assertContains(response, "Record receipt")
        self.assertContains(response, "Open count discrepancies")
        self.assertNotContains(response, "Record draw")

    def test_roles_without_ledger_access_are_refused_and_have_no_link(self):
        for user in (self.front_desk, self.therapist, self.researcher):
            with self.subTest(user=user.email):
                client = self.client_for(user)
                self.assertEqual(client.get("/inventory/").status_code, 403)
        response = self.client_for(self.therapist).get("/patients/")
        self.assertNotContains(response, "Controlled substances")

    def test_a_draw_from_the_form_redirects_with_a_message(self):
        data = {"lot": self.lot.public_id, "quantity": "0.5", "unit": "ml"}
        response = self.client_for(self.nurse).post("/inventory/draw/", data, follow=True)
        self.assertContains(response, "Draw recorded.")
        self.lot.refresh_from_db()
        self.assertEqual(self.lot.balance, 19.5)

    def test_a_refused_draw_shows_the_error_at_the_field_and_saves_nothing(self):
        data = {"lot": self.lot.public_id, "quantity": "25", "unit": "ml"}
        response = self.client_for(self.nurse).post("/inventory/draw/", data)
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "Only 20.00 mL left.", status_code=409)
        self.assertContains(response, 'id="form-draw" open', status_code=409)
        self.assertEqual(LedgerEntry.objects.filter(kind="draw").count(), 0)

    def test_another_clinics_lot_is_not_a_valid_choice(self):
        data = {"lot": self.other_lot.public_id, "quantity": "1", "unit": "ml"}
        response = self.client_for(self.nurse).post("/inventory/draw/", data)
        self.assertEqual(response.status_code, 422)
        self.assertEqual(
            self.client_for(self.nurse)
            .get(f"/inventory/lots/{self.other_lot.public_id}/")
            .status_code,
            404,
        )

    def test_waste_offers_only_other_clinicians_as_witnesses(self):
        response = self.client_for(self.nurse).get("/inventory/")
        form = response.context["panels"][1]["form"]
        witnesses = set(form.fields["witness"].queryset)
        self.assertEqual(witnesses, {self.prescriber, self.medical_director})
        data = {
            "lot": self.lot.public_id,
            "quantity": "0.3",
            "unit": "ml",
            "witness": self.prescriber.public_id,
            "witness_password": PASSWORD,
            "reason": "Rest of vial",
        }
        response = self.client_for(self.nurse).post("/inventory/waste/", data)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(LedgerEntry.objects.get(kind="waste").witness, self.prescriber)

    def test_lot_history_and_correction(self):
        receipt = LedgerEntry.objects.get(lot=self.lot)
        client = self.client_for(self.clinic_admin)
        url = f"/inventory/entries/{receipt.public_id}/correct/"
        response = client.post(url, {"reason": "Wrong product"}, follow=True)
        self.assertContains(response, "Correction recorded as a new entry.")
        self.assertContains(response, "corrects the entry of")
        self.assertEqual(LedgerEntry.objects.filter(lot=self.lot).count(), 2)

    def test_resolving_a_discrepancy_from_the_ledger(self):
        _, discrepancy = record_count(
            lot=self.lot, actor=self.clinic_admin, counted_quantity=Decimal(19), unit="ml"
        )
        client = self.client_for(self.medical_director)
        url = f"/inventory/discrepancies/{discrepancy.public_id}/resolve/"
        form = {"note": "Vial broken", "post_adjustment": "on"}
        refused = client.post(url, form, follow=True)
        self.assertContains(refused, "A second clinician is required.")
        self.assertEqual(Discrepancy.objects.get().status, "open")
        form |= {"witness": str(self.nurse.public_id), "witness_password": PASSWORD}
        client.post(url, form)
        discrepancy = Discrepancy.objects.get()
        self.assertEqual(discrepancy.status, "resolved")
        self.assertEqual(discrepancy.adjustment.delta, -1)


class ReportViewTests(LedgerTestCase):
    def test_the_printable_report_and_the_csv_for_a_date(self):
        receive(self.vials, self.clinic_admin, 2)
        client = self.client_for(self.clinic_admin)
        today = timezone.localdate().isoformat()
        response = client.get("/inventory/report/", {"as_of": today})
        self.assertContains(response, f"Controlled-substance inventory on {today}")
        self.assertContains(response, "LOT-A")
        response = client.get("/inventory/report.csv", {"as_of": today})
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn(f'filename="inventory-{today}.csv"', response["Content-Disposition"])
        lines = response.content.decode().splitlines()
        self.assertEqual(len(lines), 2)
        self.assertIn(",20.00,", lines[1])
        before = (timezone.localdate() - timedelta(days=1)).isoformat()
        response = client.get("/inventory/report/", {"as_of": before})
        self.assertContains(response, "No stock recorded up to this date.")

    def test_an_invalid_date_falls_back_to_today(self):
        response = self.client_for(self.nurse).get("/inventory/report/", {"as_of": "nonsense"})
        self.assertEqual(response.status_code, 200)
