"""The one place a lot's balance changes (`_post`: lock the lot, append the entry, move
the balance, audit), and the rules every ledger write shares. Forms and schemas have parsed
the input: quantities arrive as Decimal, text stripped, dates as dates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketamine_care.audit.services import record
from ketamine_care.core.clock import clinic_today
from ketamine_care.core.errors import Conflict, StateError, ValidationFailed
from ketamine_care.core.parsing import REQUIRED
from ketamine_care.inventory.ledger import (
    NegativeBalance,
    QuantityError,
    StockQuantity,
    apply_delta,
    check_entry_ceiling,
    to_stock_quantity,
)
from ketamine_care.inventory.models import (
    LedgerEntry,
    Lot,
)

_FIX = "Please correct the highlighted fields."


class InsufficientStock(Conflict):
    code = "insufficient_stock"


class LotExpired(StateError):
    code = "lot_expired"


# --- validation helpers -------------------------------------------------------------------


def _stock_quantity(lot_or_product, quantity: Decimal, unit: str) -> StockQuantity:
    """`quantity` in the product's stock unit: above zero, in a unit the product is counted in
    (whole vials converted to mL), whole devices, to 0.01 mL, and under the entry ceiling."""
    product = lot_or_product.product if isinstance(lot_or_product, Lot) else lot_or_product
    try:
        amount = to_stock_quantity(quantity, unit, product.stock_unit, product.volume_ml)
        check_entry_ceiling(amount, product.volume_ml)
        return amount
    except QuantityError as exc:
        raise ValidationFailed(_FIX, fields={exc.field: str(exc)}) from exc


def _require(errors: dict[str, str], **given: str) -> None:
    """Name each required text left empty (the form or schema has stripped it)."""
    for name, value in given.items():
        if not value:
            errors[name] = REQUIRED


def _raise_if(errors: dict) -> None:
    if errors:
        raise ValidationFailed(_FIX, fields=errors)


# --- the one place a balance changes ------------------------------------------------------


def _post(
    lot: Lot,
    *,
    kind: str,
    quantity: Decimal,
    delta: Decimal,
    actor,
    event_type: str,
    request=None,
    refuse_expired: bool = False,
    **fields: Any,
) -> LedgerEntry:
    """Lock the lot, apply `delta` to its balance, append the entry and audit it."""
    with transaction.atomic():
        locked = Lot.objects.select_for_update(of=("self",), no_key=True).get(pk=lot.pk)
        if refuse_expired and locked.is_expired_on(clinic_today(locked.clinic)):
            raise LotExpired(
                f"Lot {locked.lot_number} expired on {locked.expiry_date:%Y-%m-%d}; "
                "it cannot be drawn. Waste or transfer it instead.",
                fields={"lot": "This lot is expired."},
            )
        try:
            balance_after = apply_delta(locked.balance, delta)
        except NegativeBalance as exc:
            raise InsufficientStock(
                f"Not enough stock in lot {locked.lot_number}: {locked.balance} "
                f"{locked.get_unit_display()} left, {-delta} {locked.get_unit_display()} asked.",
                fields={"quantity": f"Only {locked.balance} {locked.get_unit_display()} left."},
            ) from exc
        entry = LedgerEntry.objects.create(
            clinic_id=locked.clinic_id,
            lot=locked,
            kind=kind,
            unit=locked.unit,
            quantity=quantity,
            delta=delta,
            balance_after=balance_after,
            performed_by=actor,
            created_at=timezone.now(),
            **fields,
        )
        locked.balance = balance_after
        locked.save(update_fields=["balance"])
        record(
            event_type=event_type,
            actor=actor,
            clinic=locked.clinic,
            obj=entry,
            changes={"new": _entry_changes(entry)},
            request=request,
        )
    lot.balance = balance_after
    return entry


def _entry_changes(entry: LedgerEntry) -> dict:
    return {
        "lot": str(entry.lot.public_id),
        "lot_number": entry.lot.lot_number,
        "kind": entry.kind,
        "unit": entry.unit,
        "quantity": entry.quantity,
        "delta": entry.delta,
        "balance_after": entry.balance_after,
        "invoice_number": entry.invoice_number,
        "counterparty": entry.counterparty,
        "reason": entry.reason,
        "witness": str(entry.witness.public_id) if entry.witness else None,
        "administration_ref": entry.administration_ref,
        "corrects": str(entry.corrects.public_id) if entry.corrects else None,
    }
