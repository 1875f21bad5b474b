"""API schemas of the ledger. Every quantity travels with its unit: "ml" or "device" (the
lot's stock unit), or "vial" on input for vial products (converted to mL)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field, StringConstraints

UnitIn = Literal["ml", "vial", "device"]
# Data-entry guards, not clinical numbers (see inventory.ledger): no entry moves more than
# 1,000 vials of at most 100 mL; the service applies the ceiling of the product's own unit.
MAX_QUANTITY = Decimal(100_000)
Quantity = Field(gt=0, le=MAX_QUANTITY, max_digits=10, decimal_places=2)
Text = Field(default="", max_length=2000)
# A witness's password is checked exactly as typed: never stripped.
Password = Annotated[str, StringConstraints(strip_whitespace=False)]


class StrippedIn(Schema):
    """Input whose text arrives stripped of surrounding white space, so that blank text counts
    as missing; quantities arrive as Decimal and dates as dates. The services apply the rules."""

    model_config = ConfigDict(str_strip_whitespace=True)


class ProductIn(StrippedIn):
    name: str = Field(min_length=1, max_length=200)
    drug: Literal["ketamine", "esketamine"]
    form: Literal["vial", "nasal_device"]
    # Label figures, with the same data-entry ceilings as the service (not clinical numbers).
    strength_mg_per_ml: Decimal | None = Field(
        default=None, gt=0, le=1000, max_digits=8, decimal_places=2
    )
    volume_ml: Decimal | None = Field(default=None, gt=0, le=100, max_digits=8, decimal_places=2)
    mg_per_device: Decimal | None = Field(
        default=None, gt=0, le=1000, max_digits=8, decimal_places=2
    )
    ndc: str = Field(default="", max_length=20)


class ProductOut(Schema):
    id: UUID
    name: str
    drug: str
    form: str
    stock_unit: str
    strength_mg_per_ml: Decimal | None
    volume_ml: Decimal | None
    mg_per_device: Decimal | None
    ndc: str


class LotOut(Schema):
    id: UUID
    product_id: UUID
    product: str
    lot_number: str
    expiry_date: date
    unit: str
    balance: Decimal
    expired: bool


class EntryOut(Schema):
    id: UUID
    lot_id: UUID
    lot_number: str
    kind: str
    unit: str
    quantity: Decimal
    delta: Decimal
    balance_after: Decimal
    invoice_number: str
    counterparty: str
    reason: str
    performed_by: str
    witness: str | None
    administration_ref: str
    corrects: UUID | None
    created_at: datetime


class ReceiptIn(StrippedIn):
    product_id: UUID
    lot_number: str = Field(min_length=1, max_length=40)
    expiry_date: date
    quantity: Decimal = Quantity
    unit: UnitIn
    invoice_number: str = Field(min_length=1, max_length=60)


class DrawIn(StrippedIn):
    lot_id: UUID
    quantity: Decimal = Quantity
    unit: UnitIn
    administration_ref: str = Field(default="", max_length=64)


class WasteIn(DrawIn):
    witness_id: UUID
    witness_password: Password = Field(min_length=1, max_length=256)
    reason: str = Field(min_length=1, max_length=2000)


class TransferIn(StrippedIn):
    """`direction` "out" names an existing `lot_id`; "in" names the product, lot and expiry."""

    direction: Literal["in", "out"]
    lot_id: UUID | None = None
    product_id: UUID | None = None
    lot_number: str = Field(default="", max_length=40)
    expiry_date: date | None = None
    quantity: Decimal = Quantity
    unit: UnitIn
    counterparty: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=2000)
    # Required for "out" (stock leaves the clinic): another clinician confirms, as for waste.
    witness_id: UUID | None = None
    witness_password: Password = Field(default="", max_length=256)


class AdjustmentIn(StrippedIn):
    """A "decrease" needs a witness (`witness_id`, `witness_password`), as waste does."""

    lot_id: UUID
    direction: Literal["increase", "decrease"]
    quantity: Decimal = Quantity
    unit: UnitIn
    reason: str = Field(min_length=1, max_length=2000)
    witness_id: UUID | None = None
    witness_password: Password = Field(default="", max_length=256)


class CountIn(StrippedIn):
    lot_id: UUID
    counted_quantity: Decimal = Field(ge=0, le=MAX_QUANTITY, max_digits=10, decimal_places=2)
    unit: UnitIn
    note: str = Text


class CorrectionIn(StrippedIn):
    reason: str = Field(min_length=1, max_length=2000)


class DiscrepancyOut(Schema):
    id: UUID
    lot_id: UUID
    lot_number: str
    product: str
    unit: str
    expected_quantity: Decimal
    counted_quantity: Decimal
    difference: Decimal
    status: str
    resolution_note: str
    adjustment_id: UUID | None
    created_at: datetime


class CountOut(Schema):
    entry: EntryOut
    discrepancy: DiscrepancyOut | None


class ResolveIn(StrippedIn):
    """An adjustment down (a count below the ledger) needs a witness, as any decrease."""

    note: str = Field(min_length=1, max_length=2000)
    post_adjustment: bool
    witness_id: UUID | None = None
    witness_password: Password = Field(default="", max_length=256)


class BalanceOut(Schema):
    lot_id: UUID
    product: str
    lot_number: str
    expiry_date: date
    unit: str
    opening: Decimal
    received: Decimal
    drawn: Decimal
    wasted: Decimal
    transferred_out: Decimal
    adjusted: Decimal
    closing: Decimal
    closing_mg: Decimal
