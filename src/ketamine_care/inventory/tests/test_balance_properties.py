"""Any sequence of receipts, draws and wastes keeps the lot's balance equal to the sum of its
entries' deltas and never below zero; a refused operation changes nothing."""

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.errors import DomainError
from ketamine_care.inventory import services
from ketamine_care.inventory.models import LedgerEntry
from ketamine_care.testing.base import PASSWORD, ClinicTestCase
from ketamine_care.testing.inventory import make_ketamine_vials, receive

operations = st.lists(
    st.tuples(
        st.sampled_from(["receive", "draw", "waste"]),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("25"), places=2),
    ),
    max_size=12,
)


class BalancePropertyTests(ClinicTestCase, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.vials = make_ketamine_vials(clinic=cls.clinic, actor=cls.clinic_admin)

    def apply(self, lot, kind, quantity):
        if kind == "receive":
            services.receive_stock(
                product=self.vials,
                actor=self.clinic_admin,
                lot_number=lot.lot_number,
                expiry_date=lot.expiry_date,
                quantity=quantity,
                unit="ml",
                invoice_number="INV",
            )
        elif kind == "draw":
            services.draw_stock(lot=lot, actor=self.nurse, quantity=quantity, unit="ml")
        else:
            services.waste_stock(
                lot=lot,
                actor=self.nurse,
                witness=self.prescriber,
                witness_password=PASSWORD,
                quantity=quantity,
                unit="ml",
                reason="rest of vial",
            )

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(operations)
    def test_the_balance_is_the_sum_of_deltas_and_never_negative(self, ops):
        lot = receive(self.vials, self.clinic_admin, 1, lot_number="PROP")
        for kind, quantity in ops:
            before = (LedgerEntry.objects.count(), AuditEvent.objects.count(), lot.balance)
            try:
                self.apply(lot, kind, quantity)
            except DomainError:
                lot.refresh_from_db()
                after = (LedgerEntry.objects.count(), AuditEvent.objects.count(), lot.balance)
                self.assertEqual(after, before)
            lot.refresh_from_db()
            deltas = LedgerEntry.objects.filter(lot=lot).values_list("delta", flat=True)
            self.assertEqual(lot.balance, sum(deltas, Decimal(0)))
            self.assertGreaterEqual(lot.balance, 0)
