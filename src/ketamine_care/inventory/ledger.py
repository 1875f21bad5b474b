"""Ledger arithmetic, pure: unit conversion into a lot's stock unit and the running balance.

No Django imports. Quantities are `Decimal`s in the lot's stock unit: millilitres (mL) for
injectable vials, whole devices for esketamine nasal devices.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

ML = "ml"
DEVICE = "device"
VIAL = "vial"  # accepted as input for vial products only, converted to mL
QUANTUM = Decimal("0.01")  # mL are recorded to 0.01 mL

# Data-entry guards, not clinical numbers: the most one ledger entry may move, so that a slip
# of the keyboard (an extra zero, a scanned barcode in the quantity box) is refused rather than
# booked into a controlled-substance register. A clinic's delivery or transfer is far below.
MAX_VIALS_PER_ENTRY = 1000
MAX_DEVICES_PER_ENTRY = 1000
# The same kind of guard on a product's definition: no ketamine vial holds more than this.
MAX_ML_PER_VIAL = Decimal(100)


class QuantityError(ValueError):
    """A quantity that cannot be recorded in the lot's stock unit; `field` names the input."""

    def __init__(self, message: str, field: str = "quantity") -> None:
        super().__init__(message)
        self.field = field


class NegativeBalance(ValueError):
    """Applying the change would leave less than nothing in the lot."""

    def __init__(self, balance: Decimal, delta: Decimal) -> None:
        super().__init__(f"balance {balance} cannot take {delta}")
        self.balance = balance
        self.delta = delta


@dataclass(frozen=True)
class StockQuantity:
    quantity: Decimal
    unit: str


def to_stock_quantity(
    quantity: Decimal, unit: str, stock_unit: str, volume_ml_per_vial: Decimal | None
) -> StockQuantity:
    """Convert `quantity` given in `unit` ("ml", "device" or "vial") into the stock unit.

    The unit must be stated and must fit the product: mL or whole vials for vial products
    (a vial is `volume_ml_per_vial` mL), whole devices for nasal devices.
    """
    if not quantity.is_finite() or quantity <= 0:
        raise QuantityError("Enter a quantity greater than zero.")
    if unit == VIAL and stock_unit == ML and volume_ml_per_vial:
        if quantity != quantity.to_integral_value():
            raise QuantityError("Count whole vials, or enter the volume in mL.")
        return StockQuantity((quantity * volume_ml_per_vial).quantize(QUANTUM), ML)
    if unit != stock_unit:
        allowed = "mL or vials" if stock_unit == ML else "devices"
        raise QuantityError(f"This product is counted in {allowed}, not {unit}.", "unit")
    if stock_unit == DEVICE and quantity != quantity.to_integral_value():
        raise QuantityError("Count whole devices.")
    if quantity != quantity.quantize(QUANTUM):
        raise QuantityError("Record volumes to 0.01 mL.")
    return StockQuantity(quantity.quantize(QUANTUM), stock_unit)


def entry_ceiling(stock_unit: str, volume_ml_per_vial: Decimal | None) -> StockQuantity:
    """The most one entry may move, in the stock unit: 1,000 devices, or 1,000 vials' worth
    of mL (of this product's vial, or of the largest vial accepted when it is not known)."""
    if stock_unit == DEVICE:
        return StockQuantity(Decimal(MAX_DEVICES_PER_ENTRY), DEVICE)
    per_vial = volume_ml_per_vial or MAX_ML_PER_VIAL
    return StockQuantity((MAX_VIALS_PER_ENTRY * per_vial).quantize(QUANTUM), ML)


def check_entry_ceiling(amount: StockQuantity, volume_ml_per_vial: Decimal | None) -> None:
    """Raise QuantityError when one entry would move more than `entry_ceiling`."""
    ceiling = entry_ceiling(amount.unit, volume_ml_per_vial)
    if amount.quantity > ceiling.quantity:
        if amount.unit == DEVICE:
            limit = f"{MAX_DEVICES_PER_ENTRY} devices"
        else:
            limit = f"{MAX_VIALS_PER_ENTRY} vials ({ceiling.quantity} mL)"
        raise QuantityError(f"At most {limit} in one entry; split larger movements.")


def apply_delta(balance: Decimal, delta: Decimal) -> Decimal:
    """The balance after a signed change; raises NegativeBalance rather than go below zero."""
    after = balance + delta
    if after < 0:
        raise NegativeBalance(balance, delta)
    return after


def vials_equivalent(quantity_ml: Decimal, volume_ml_per_vial: Decimal | None) -> Decimal | None:
    """How many vials a volume amounts to (for display); None when not a vial product."""
    if not volume_ml_per_vial:
        return None
    return (quantity_ml / volume_ml_per_vial).quantize(QUANTUM)
