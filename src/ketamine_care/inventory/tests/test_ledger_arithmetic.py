"""The pure ledger arithmetic: no database."""

from decimal import Decimal

from django.test import SimpleTestCase
from hypothesis import given
from hypothesis import strategies as st

from ketamine_care.inventory.ledger import (
    NegativeBalance,
    QuantityError,
    StockQuantity,
    apply_delta,
    check_entry_ceiling,
    entry_ceiling,
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


class EntryCeilingTests(SimpleTestCase):
    """Data-entry guards: 1,000 vials (of this product's size) or 1,000 devices per entry."""

    @given(st.integers(min_value=1, max_value=3000), st.sampled_from(["5", "10", "20"]))
    def test_whole_vials_pass_up_to_1000_and_no_further(self, vials, size):
        volume = Decimal(size)
        amount = to_stock_quantity(Decimal(vials), "vial", "ml", volume)
        if vials <= 1000:
            check_entry_ceiling(amount, volume)
        else:
            with self.assertRaises(QuantityError):
                check_entry_ceiling(amount, volume)

    def test_devices_and_unknown_vial_sizes(self):
        check_entry_ceiling(StockQuantity(Decimal(1000), "device"), None)
        with self.assertRaises(QuantityError):
            check_entry_ceiling(StockQuantity(Decimal(1001), "device"), None)
        check_entry_ceiling(StockQuantity(Decimal(100_000), "ml"), None)
        with self.assertRaises(QuantityError):
            check_entry_ceiling(StockQuantity(Decimal("100000.01"), "ml"), None)


class StockUnitTests(SimpleTestCase):
    """Every converted quantity and every ceiling names the lot's stock unit: a register line
    in mL must never be read as devices."""

    def test_the_unit_of_each_conversion(self):
        ten = Decimal("10")
        table = [
            ((Decimal("2"), "vial", "ml", ten), ("20.00", "ml")),
            ((Decimal("0.35"), "ml", "ml", ten), ("0.35", "ml")),
            ((Decimal("3"), "device", "device", None), ("3.00", "device")),
        ]
        for args, (quantity, unit) in table:
            with self.subTest(args=args):
                self.assertEqual(to_stock_quantity(*args), StockQuantity(Decimal(quantity), unit))

    def test_the_unit_of_each_ceiling(self):
        self.assertEqual(entry_ceiling("device", None), StockQuantity(Decimal(1000), "device"))
        self.assertEqual(
            entry_ceiling("ml", Decimal("10")), StockQuantity(Decimal("10000.00"), "ml")
        )


class RefusalWordingTests(SimpleTestCase):
    """A refused entry tells the person at the register what to enter instead."""

    def test_each_refusal_says_what_to_do(self):
        ten = Decimal("10")
        table = [
            ((Decimal("0"), "ml", "ml", ten), "Enter a quantity greater than zero."),
            ((Decimal("1.5"), "vial", "ml", ten), "Count whole vials, or enter the volume in mL."),
            ((Decimal("1"), "mg", "ml", ten), "This product is counted in mL or vials, not mg."),
            (
                (Decimal("1"), "vial", "device", None),
                "This product is counted in devices, not vial.",
            ),
            ((Decimal("1.5"), "device", "device", None), "Count whole devices."),
            ((Decimal("0.001"), "ml", "ml", ten), "Record volumes to 0.01 mL."),
        ]
        for args, message in table:
            with self.subTest(args=args), self.assertRaises(QuantityError) as caught:
                to_stock_quantity(*args)
            self.assertEqual(str(caught.exception), message)

    def test_the_ceiling_names_its_limit(self):
        with self.assertRaises(QuantityError) as caught:
            check_entry_ceiling(StockQuantity(Decimal(1001), "device"), None)
        self.assertEqual(
            str(caught.exception), "At most 1000 devices in one entry; split larger movements."
        )
        with self.assertRaises(QuantityError) as caught:
            check_entry_ceiling(StockQuantity(Decimal("10000.01"), "ml"), Decimal("10"))
        self.assertEqual(
            str(caught.exception),
            "At most 1000 vials (10000.00 mL) in one entry; split larger movements.",
        )

    def test_a_negative_balance_names_the_balance_and_the_change(self):
        with self.assertRaises(NegativeBalance) as caught:
            apply_delta(Decimal("2.50"), Decimal("-3.00"))
        self.assertEqual(
            (caught.exception.balance, caught.exception.delta, str(caught.exception)),
            (Decimal("2.50"), Decimal("-3.00"), "balance 2.50 cannot take -3.00"),
        )
