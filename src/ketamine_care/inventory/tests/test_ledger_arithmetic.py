"""The pure ledger arithmetic: no database."""

from decimal import Decimal

from django.test import SimpleTestCase
from hypothesis import given
from hypothesis import strategies as st

from ketamine_care.inventory.ledger import (
    NegativeBalance,
    QuantityError,
    apply_delta,
    to_stock_quantity,
    vials_equivalent,
)

amounts = st.decimals(min_value=0, max_value=10_000, places=2)


class ConversionTests(SimpleTestCase):
    def test_the_table(self):
        ten = Decimal("10")
        ok = [
            ((Decimal("2"), "vial", "ml", ten), Decimal("20")),
            ((Decimal("0.35"), "ml", "ml", ten), Decimal("0.35")),
            ((Decimal("3"), "device", "device", None), Decimal("3")),
        ]
        for args, expected in ok:
            with self.subTest(args=args):
                self.assertEqual(to_stock_quantity(*args).quantity, expected)
        bad = [
            ((Decimal("0"), "ml", "ml", ten), "quantity"),
            ((Decimal("-1"), "ml", "ml", ten), "quantity"),
            ((Decimal("1.5"), "vial", "ml", ten), "quantity"),
            ((Decimal("0.001"), "ml", "ml", ten), "quantity"),
            ((Decimal("1"), "vial", "device", None), "unit"),
            ((Decimal("1"), "mg", "ml", ten), "unit"),
            ((Decimal("1.5"), "device", "device", None), "quantity"),
        ]
        for args, field in bad:
            with self.subTest(args=args), self.assertRaises(QuantityError) as caught:
                to_stock_quantity(*args)
            self.assertEqual(caught.exception.field, field)

    def test_vials_equivalent(self):
        self.assertEqual(vials_equivalent(Decimal("25"), Decimal("10")), Decimal("2.50"))
        self.assertIsNone(vials_equivalent(Decimal("3"), None))


class BalanceTests(SimpleTestCase):
    @given(amounts, amounts)
    def test_a_balance_never_goes_below_zero(self, balance, taken):
        try:
            after = apply_delta(balance, -taken)
        except NegativeBalance:
            self.assertGreater(taken, balance)
        else:
            self.assertEqual(after, balance - taken)
            self.assertGreaterEqual(after, 0)
