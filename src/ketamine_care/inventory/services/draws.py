"""Stock leaving for patients: draws for an administration and witnessed waste."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ketamine_care.inventory.models import (
    DosageForm,
    EntryKind,
    LedgerEntry,
    Lot,
)
from ketamine_care.inventory.services.posting import (
    _post,
    _raise_if,
    _require,
    _stock_quantity,
)
from ketamine_care.inventory.witness import require_witness


def draw_stock(
    *, lot: Lot, actor, quantity: Decimal, unit: str, administration_ref: str = "", request=None
) -> LedgerEntry:
    """Draw stock for an administration. Refused for an expired lot (LotExpired) and when
    the lot holds less than asked (InsufficientStock, checked under the lot's row lock)."""
    amount = _stock_quantity(lot, quantity, unit)
    return _post(
        lot,
        kind=EntryKind.DRAW,
        quantity=amount.quantity,
        delta=-amount.quantity,
        actor=actor,
        event_type="ledger.drawn",
        request=request,
        refuse_expired=True,
        administration_ref=administration_ref,
    )


def draw_for_administration(
    *, lot: Lot, dose_mg: Decimal, devices: int, actor, administration_ref: str, request=None
) -> LedgerEntry:
    """Draw what a recorded dose used: `devices` nasal devices, or for a vial the dose's
    volume at the product's strength (to 0.01 mL). The caller's transaction holds the
    administration row; `administration_ref` is its public id."""
    if lot.product.form == DosageForm.NASAL_DEVICE:
        quantity, unit = Decimal(devices), "device"
    else:
        quantity = (dose_mg / lot.product.strength_mg_per_ml).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        unit = "ml"
    return draw_stock(
        lot=lot,
        actor=actor,
        quantity=quantity,
        unit=unit,
        administration_ref=administration_ref,
        request=request,
    )


def waste_stock(
    *,
    lot: Lot,
    actor,
    witness,
    quantity: Decimal,
    unit: str,
    reason: str,
    witness_password: str = "",
    administration_ref: str = "",
    request=None,
) -> LedgerEntry:
    """Record waste (e.g. the unused rest of a drawn vial) with a witness who is another
    active clinician of the clinic and confirms by entering their own password. Expired
    stock may be wasted."""
    errors: dict[str, str] = {}
    _require(errors, reason=reason)
    _raise_if(errors)
    amount = _stock_quantity(lot, quantity, unit)
    require_witness(
        clinic=lot.clinic, actor=actor, witness=witness, password=witness_password, request=request
    )
    return _post(
        lot,
        kind=EntryKind.WASTE,
        quantity=amount.quantity,
        delta=-amount.quantity,
        actor=actor,
        event_type="ledger.wasted",
        request=request,
        witness=witness,
        reason=reason,
        administration_ref=administration_ref,
    )
