from datetime import timedelta
from decimal import Decimal

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from ketamine_care.accounts.models import Membership, Role
from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.errors import StateError, ValidationFailed
from ketamine_care.inventory import services
from ketamine_care.inventory.models import ImmutableEntry, LedgerEntry, Lot
from ketamine_care.inventory.services import InsufficientStock, LotExpired
from ketamine_care.testing.base import PASSWORD, ClinicTestCase
from ketamine_care.testing.inventory import (
    make_esketamine_devices,
    make_ketamine_vials,
    receive,
    yesterday,
)


class LedgerTestCase(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.vials = make_ketamine_vials(clinic=cls.clinic, actor=cls.clinic_admin)
        cls.devices = make_esketamine_devices(clinic=cls.clinic, actor=cls.clinic_admin)

    def assert_balance(self, lot, expected):
        lot.refresh_from_db()
        total = sum((e.delta for e in LedgerEntry.objects.filter(lot=lot)), Decimal(0))
        self.assertEqual(lot.balance, Decimal(expected))
        self.assertEqual(total, Decimal(expected))
        last = LedgerEntry.objects.filter(lot=lot).last()
        self.assertEqual(last.balance_after, Decimal(expected))


class ReceiveTests(LedgerTestCase):
    def test_it_receives_whole_vials_as_millilitres(self):
        lot = receive(self.vials, self.clinic_admin, 3, "vial")
        self.assertEqual((lot.unit, lot.balance), ("ml", Decimal("30")))
        self.assert_balance(lot, "30")
        event = AuditEvent.objects.filter(event_type="ledger.received").get()
        self.assertEqual(event.changes["new"]["delta"], "30.00")

    def test_a_second_receipt_of_the_same_lot_adds_to_it(self):
        lot = receive(self.devices, self.clinic_admin, 6, "device")
        again = receive(self.devices, self.clinic_admin, 4, "device", expiry_date=lot.expiry_date)
        self.assertEqual(again.pk, lot.pk)
        self.assert_balance(lot, "10")

    def test_it_refuses_a_lot_number_with_another_expiry(self):
        receive(self.devices, self.clinic_admin, 6, "device")
        with self.assertRaises(ValidationFailed) as caught:
            receive(self.devices, self.clinic_admin, 1, "device", expiry_date=yesterday())
        self.assertIn("expiry_date", caught.exception.fields)

    def test_it_refuses_a_unit_that_does_not_fit_the_product(self):
        for product, unit in ((self.devices, "ml"), (self.vials, "device")):
            with self.subTest(unit=unit), self.assertRaises(ValidationFailed) as caught:
                receive(product, self.clinic_admin, 1, unit)
            self.assertEqual(set(caught.exception.fields), {"unit"})
        self.assertFalse(Lot.objects.exists())

    def test_it_requires_an_invoice_number(self):
        with self.assertRaises(ValidationFailed) as caught:
            services.receive_stock(
                product=self.vials,
                actor=self.clinic_admin,
                lot_number="L1",
                expiry_date=timezone.localdate(),
                quantity=Decimal(1),
                unit="vial",
                invoice_number="",
            )
        self.assertIn("invoice_number", caught.exception.fields)


class DrawTests(LedgerTestCase):
    def test_a_draw_lowers_the_balance_and_links_the_administration(self):
        lot = receive(self.vials, self.clinic_admin, 1)
        entry = services.draw_stock(
            lot=lot,
            actor=self.nurse,
            quantity=Decimal("0.7"),
            unit="ml",
            administration_ref="adm-1",
        )
        self.assertEqual((entry.delta, entry.administration_ref), (Decimal("-0.7"), "adm-1"))
        self.assert_balance(lot, "9.3")
        self.assertTrue(AuditEvent.objects.filter(event_type="ledger.drawn").exists())

    def test_it_never_draws_more_than_the_lot_holds(self):
        lot = receive(self.vials, self.clinic_admin, 1)
        with self.assertRaisesMessage(InsufficientStock, "10.00 mL left"):
            services.draw_stock(lot=lot, actor=self.nurse, quantity=Decimal("10.01"), unit="ml")
        self.assert_balance(lot, "10")
        self.assertFalse(AuditEvent.objects.filter(event_type="ledger.drawn").exists())

    def test_it_refuses_to_draw_from_an_expired_lot(self):
        lot = receive(self.devices, self.clinic_admin, 3, "device", expiry_date=yesterday())
        with self.assertRaisesMessage(LotExpired, "expired on"):
            services.draw_stock(lot=lot, actor=self.nurse, quantity=Decimal(1), unit="device")
        self.assert_balance(lot, "3")

    def test_a_lot_may_be_drawn_on_its_expiry_date(self):
        today = timezone.localdate()
        lot = receive(self.devices, self.clinic_admin, 3, "device", expiry_date=today)
        services.draw_stock(lot=lot, actor=self.nurse, quantity=Decimal(2), unit="device")
        self.assert_balance(lot, "1")

    def test_devices_are_counted_whole(self):
        lot = receive(self.devices, self.clinic_admin, 3, "device")
        with self.assertRaises(ValidationFailed) as caught:
            services.draw_stock(lot=lot, actor=self.nurse, quantity=Decimal("0.5"), unit="device")
        self.assertIn("quantity", caught.exception.fields)


class WasteTests(LedgerTestCase):
    def waste(self, lot, witness, actor=None, password=PASSWORD):
        return services.waste_stock(
            lot=lot,
            actor=actor or self.nurse,
            witness=witness,
            witness_password=password,
            quantity=Decimal("0.3"),
            unit="ml",
            reason="Unused rest of the drawn vial",
        )

    def test_waste_is_witnessed_by_another_clinician(self):
        lot = receive(self.vials, self.clinic_admin, 1)
        entry = self.waste(lot, self.prescriber)
        self.assertEqual(entry.witness, self.prescriber)
        self.assert_balance(lot, "9.7")
        self.assertTrue(AuditEvent.objects.filter(event_type="ledger.wasted").exists())

    def test_the_witness_confirms_with_their_own_password(self):
        lot = receive(self.vials, self.clinic_admin, 1)
        before = lot.balance
        for password, reason in (("", "enters their password"), ("guess", "not correct")):
            with self.subTest(password=password), self.assertRaises(ValidationFailed) as caught:
                self.waste(lot, self.prescriber, password=password)
            self.assertIn(reason, caught.exception.fields["witness_password"])
        lot.refresh_from_db()
        self.assertEqual(lot.balance, before)
        self.assertFalse(LedgerEntry.objects.filter(kind="waste").exists())
        failure = AuditEvent.objects.get(event_type="ledger.witness_confirmation_failed")
        self.assertEqual(failure.object_id, str(self.prescriber.public_id))

    def test_the_witness_rules(self):
        lot = receive(self.vials, self.clinic_admin, 1)
        inactive = self.medical_director
        Membership.objects.filter(user=inactive).update(is_active=False)
        cases = {
            "no witness": None,
            "the performer": self.nurse,
            "a non-clinician": self.front_desk,
            "another clinic's clinician": self.outsider,
            "an inactive member": inactive,
        }
        for label, witness in cases.items():
            with self.subTest(label), self.assertRaises(ValidationFailed) as caught:
                self.waste(lot, witness)
            self.assertEqual(set(caught.exception.fields), {"witness"})
        self.assert_balance(lot, "10")

    def test_only_a_clinical_role_of_the_clinic_may_witness(self):
        lot = receive(self.vials, self.clinic_admin, 1)
        for role in (Role.FRONT_DESK, Role.CLINIC_ADMIN, Role.THERAPIST, Role.RESEARCHER):
            with self.subTest(role=role), self.assertRaises(ValidationFailed) as caught:
                self.waste(lot, self.users[role.value])
            self.assertIn(role.label.lower(), caught.exception.fields["witness"])
        self.assert_balance(lot, "10")
        self.assertFalse(LedgerEntry.objects.filter(kind="waste").exists())
        for witness in (self.prescriber, self.medical_director):
            with self.subTest(witness=witness.email):
                self.assertEqual(self.waste(lot, witness).witness, witness)
        self.assertEqual(self.waste(lot, self.nurse, actor=self.prescriber).witness, self.nurse)

    def test_the_database_refuses_unwitnessed_waste(self):
        lot = receive(self.vials, self.clinic_admin, 1)
        with self.assertRaises(IntegrityError), transaction.atomic():
            LedgerEntry.objects.create(
                clinic=self.clinic,
                lot=lot,
                kind="waste",
                unit="ml",
                quantity=Decimal(1),
                delta=-1,
                balance_after=9,
                reason="x",
                performed_by=self.nurse,
            )


class TransferAndAdjustmentTests(LedgerTestCase):
    def test_transfers_need_a_counterparty_and_a_reason(self):
        lot = receive(self.vials, self.clinic_admin, 2)
        with self.assertRaises(ValidationFailed) as caught:
            services.transfer_out(
                lot=lot,
                actor=self.clinic_admin,
                quantity=Decimal(1),
                unit="vial",
                counterparty="",
                reason="",
            )
        self.assertEqual(set(caught.exception.fields), {"counterparty", "reason"})
        services.transfer_out(
            lot=lot,
            actor=self.clinic_admin,
            quantity=Decimal(1),
            unit="vial",
            counterparty="Reverse distributor X",
            reason="Damaged vial",
            witness=self.nurse,
            witness_password=PASSWORD,
        )
        self.assert_balance(lot, "10")

    def test_transfer_in_creates_the_lot(self):
        entry = services.transfer_in(
            product=self.devices,
            actor=self.clinic_admin,
            lot_number="T-1",
            expiry_date=timezone.localdate() + timedelta(days=30),
            quantity=Decimal(2),
            unit="device",
            counterparty="Sister clinic",
            reason="Shortage",
        )
        self.assert_balance(entry.lot, "2")
        self.assertEqual(AuditEvent.objects.filter(event_type="ledger.transferred").count(), 1)

    def test_an_adjustment_cannot_take_the_balance_below_zero(self):
        lot = receive(self.vials, self.clinic_admin, 1)
        kwargs = {"lot": lot, "actor": self.clinic_admin, "unit": "ml", "reason": "Spill"}
        kwargs |= {"witness": self.nurse, "witness_password": PASSWORD}
        with self.assertRaises(InsufficientStock):
            services.adjust_stock(direction="decrease", quantity=Decimal(11), **kwargs)
        services.adjust_stock(direction="decrease", quantity=Decimal("0.5"), **kwargs)
        services.adjust_stock(direction="increase", quantity=Decimal("0.2"), **kwargs)
        self.assert_balance(lot, "9.7")
        self.assertEqual(AuditEvent.objects.filter(event_type="ledger.adjusted").count(), 2)


class CorrectionTests(LedgerTestCase):
    def test_a_correction_is_a_new_entry_reversing_the_original(self):
        lot = receive(self.vials, self.clinic_admin, 1)
        draw = services.draw_stock(lot=lot, actor=self.nurse, quantity=Decimal(2), unit="ml")
        fix = services.correct_entry(entry=draw, actor=self.clinic_admin, reason="Wrong lot")
        self.assertEqual((fix.kind, fix.delta, fix.corrects), ("correction", Decimal(2), draw))
        self.assertEqual(LedgerEntry.objects.filter(lot=lot).count(), 3)
        self.assert_balance(lot, "10")
        self.assertTrue(AuditEvent.objects.filter(event_type="ledger.corrected").exists())
        with self.assertRaisesMessage(StateError, "already been corrected"):
            services.correct_entry(entry=draw, actor=self.clinic_admin, reason="again")
        with self.assertRaises(StateError):
            services.correct_entry(entry=fix, actor=self.clinic_admin, reason="undo")

    def test_reversing_a_receipt_already_used_is_refused(self):
        lot = receive(self.vials, self.clinic_admin, 1)
        receipt = LedgerEntry.objects.get(lot=lot)
        services.draw_stock(lot=lot, actor=self.nurse, quantity=Decimal(1), unit="ml")
        with self.assertRaises(InsufficientStock):
            services.correct_entry(entry=receipt, actor=self.clinic_admin, reason="Wrong product")
        self.assert_balance(lot, "9")

    def test_entries_are_immutable_in_code_and_in_the_database(self):
        lot = receive(self.vials, self.clinic_admin, 1)
        entry = LedgerEntry.objects.get(lot=lot)
        entry.reason = "changed"
        for attempt in (entry.save, entry.delete, LedgerEntry.objects.all().delete):
            with self.subTest(attempt=attempt), self.assertRaises(ImmutableEntry):
                attempt()
        for sql in (
            "UPDATE inventory_ledgerentry SET reason = 'x'",
            "DELETE FROM inventory_ledgerentry",
        ):
            with self.subTest(sql=sql), self.assertRaises(DatabaseError), transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(sql)
        self.assertEqual(LedgerEntry.objects.get(lot=lot).reason, "")
