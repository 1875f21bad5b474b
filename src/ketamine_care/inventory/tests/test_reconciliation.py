from decimal import Decimal

from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.errors import StateError, ValidationFailed
from ketamine_care.inventory import services
from ketamine_care.inventory.models import Discrepancy, LedgerEntry
from ketamine_care.inventory.queries import open_discrepancies
from ketamine_care.inventory.reconciliation import record_count, resolve_discrepancy
from ketamine_care.inventory.services import InsufficientStock
from ketamine_care.inventory.tests.test_services import LedgerTestCase
from ketamine_care.testing.base import PASSWORD
from ketamine_care.testing.inventory import receive


class CountTests(LedgerTestCase):
    def test_a_matching_count_is_recorded_without_a_discrepancy(self):
        lot = receive(self.vials, self.clinic_admin, 2)
        entry, discrepancy = record_count(
            lot=lot, actor=self.clinic_admin, counted_quantity=Decimal(2), unit="vial"
        )
        self.assertIsNone(discrepancy)
        self.assertEqual((entry.kind, entry.quantity, entry.delta), ("count", 20, 0))
        self.assert_balance(lot, "20")
        self.assertTrue(AuditEvent.objects.filter(event_type="ledger.counted").exists())

    def test_a_short_count_opens_a_discrepancy_and_changes_no_balance(self):
        lot = receive(self.vials, self.clinic_admin, 2)
        _, discrepancy = record_count(
            lot=lot, actor=self.clinic_admin, counted_quantity=Decimal("18.5"), unit="ml"
        )
        self.assertEqual(discrepancy.difference, Decimal("-1.5"))
        self.assertEqual(list(open_discrepancies(self.clinic)), [discrepancy])
        self.assert_balance(lot, "20")
        event = AuditEvent.objects.get(event_type="ledger.discrepancy_recorded")
        self.assertEqual(event.changes["new"]["difference"], "-1.50")

    def test_a_count_may_be_zero_but_not_negative(self):
        lot = receive(self.devices, self.clinic_admin, 1, "device")
        with self.assertRaises(ValidationFailed) as caught:
            record_count(
                lot=lot, actor=self.clinic_admin, counted_quantity=Decimal(-1), unit="device"
            )
        self.assertIn("counted_quantity", caught.exception.fields)
        _, discrepancy = record_count(
            lot=lot, actor=self.clinic_admin, counted_quantity=Decimal(0), unit="device"
        )
        self.assertEqual(discrepancy.difference, -1)


class ResolveTests(LedgerTestCase):
    def test_resolving_with_an_adjustment_brings_the_ledger_to_the_count(self):
        lot = receive(self.vials, self.clinic_admin, 2)
        _, discrepancy = record_count(
            lot=lot, actor=self.clinic_admin, counted_quantity=Decimal(19), unit="ml"
        )
        resolved = resolve_discrepancy(
            discrepancy=discrepancy,
            actor=self.medical_director,
            note="Spill documented by nurse",
            post_adjustment=True,
            witness=self.nurse,
            witness_password=PASSWORD,
        )
        self.assertEqual(resolved.status, "resolved")
        self.assertEqual(resolved.adjustment.delta, Decimal("-1"))
        self.assert_balance(lot, "19")
        self.assertFalse(open_discrepancies(self.clinic).exists())
        with self.assertRaises(StateError):
            resolve_discrepancy(
                discrepancy=discrepancy, actor=self.clinic_admin, note="x", post_adjustment=False
            )

    def test_resolution_needs_a_note_and_may_leave_the_ledger_alone(self):
        lot = receive(self.vials, self.clinic_admin, 1)
        _, discrepancy = record_count(
            lot=lot, actor=self.clinic_admin, counted_quantity=Decimal(11), unit="ml"
        )
        with self.assertRaises(ValidationFailed):
            resolve_discrepancy(
                discrepancy=discrepancy, actor=self.clinic_admin, note="", post_adjustment=False
            )
        resolve_discrepancy(
            discrepancy=discrepancy,
            actor=self.clinic_admin,
            note="Miscounted; recount matched",
            post_adjustment=False,
        )
        self.assert_balance(lot, "10")
        self.assertTrue(
            AuditEvent.objects.filter(event_type="ledger.discrepancy_resolved").exists()
        )

    def test_an_adjustment_that_would_go_negative_leaves_the_discrepancy_open(self):
        lot = receive(self.vials, self.clinic_admin, 1)
        _, discrepancy = record_count(
            lot=lot, actor=self.clinic_admin, counted_quantity=Decimal(4), unit="ml"
        )
        services.draw_stock(lot=lot, actor=self.nurse, quantity=Decimal(8), unit="ml")
        with self.assertRaises(InsufficientStock):
            resolve_discrepancy(
                discrepancy=discrepancy,
                actor=self.clinic_admin,
                note="x",
                post_adjustment=True,
                witness=self.nurse,
                witness_password=PASSWORD,
            )
        discrepancy.refresh_from_db()
        self.assertEqual(discrepancy.status, "open")
        self.assertEqual(LedgerEntry.objects.filter(kind="adjustment").count(), 0)
        self.assertEqual(Discrepancy.objects.count(), 1)
