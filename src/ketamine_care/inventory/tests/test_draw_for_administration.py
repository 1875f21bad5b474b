"""`draw_for_administration`: what a recorded dose takes from a lot, in the lot's own unit."""

from decimal import Decimal

from ketamine_care.inventory import services
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.inventory import make_esketamine_devices, make_ketamine_vials, receive


class DrawForAdministrationTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        vials = make_ketamine_vials(clinic=cls.clinic, actor=cls.clinic_admin)  # 50 mg/mL
        devices = make_esketamine_devices(clinic=cls.clinic, actor=cls.clinic_admin)
        cls.vial_lot = receive(vials, cls.clinic_admin, 1, "vial")
        cls.device_lot = receive(devices, cls.clinic_admin, 6, "device", lot_number="LOT-N")

    def draw(self, lot, dose_mg, devices=0):
        return services.draw_for_administration(
            lot=lot, dose_mg=Decimal(dose_mg), devices=devices, actor=self.nurse,
            administration_ref="dose-1",
        )  # fmt: skip

    def test_a_vial_dose_draws_its_volume_at_the_products_strength(self):
        entry = self.draw(self.vial_lot, "35")
        self.assertEqual(entry.kind, "draw")
        self.assertEqual(entry.unit, "ml")
        self.assertEqual(entry.quantity, Decimal("0.70"))
        self.assertEqual(entry.balance_after, Decimal("9.30"))
        self.assertEqual(entry.administration_ref, "dose-1")

    def test_the_volume_is_rounded_half_up_to_a_hundredth_of_a_millilitre(self):
        entry = self.draw(self.vial_lot, "0.25")  # 0.005 mL
        self.assertEqual(entry.quantity, Decimal("0.01"))

    def test_a_nasal_dose_draws_one_device_per_device_given(self):
        entry = self.draw(self.device_lot, "84", devices=3)
        self.assertEqual(entry.unit, "device")
        self.assertEqual(entry.quantity, Decimal("3"))
        self.assertEqual(entry.balance_after, Decimal("3"))

    def test_more_than_the_lot_holds_is_refused(self):
        with self.assertRaises(services.InsufficientStock):
            self.draw(self.device_lot, "196", devices=7)
