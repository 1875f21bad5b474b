"""Stock moving between registers and corrections: transfers in and out, witnessed
adjustments and correcting entries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from ketamine_care.core.errors import StateError
from ketamine_care.inventory.models import (
    EntryKind,
    LedgerEntry,
    Lot,
    Product,
)
from ketamine_care.inventory.services.posting import (
    _post,
    _raise_if,
    _require,
    _stock_quantity,
)
from ketamine_care.inventory.services.products import _lot_for_arrival
from ketamine_care.inventory.witness import require_witness


def transfer_in(
    *,
    product: Product,
    actor,
    lot_number: str,
    expiry_date: date | None,
    quantity: Decimal,
    unit: str,
    counterparty: str,
    reason: str,
    request=None,
) -> LedgerEntry:
    """Record stock transferred in from another registrant or location."""
    errors: dict[str, str] = {}
    _require(errors, counterparty=counterparty, reason=reason)
    _raise_if(errors)
    amount = _stock_quantity(product, quantity, unit)
    lot = _lot_for_arrival(product, lot_number, expiry_date)
    return _post(
        lot,
        kind=EntryKind.TRANSFER_IN,
        quantity=amount.quantity,
        delta=amount.quantity,
        actor=actor,
        event_type="ledger.transferred",
        request=request,
        counterparty=counterparty,
        reason=reason,
    )


def transfer_out(
    *,
    lot: Lot,
    actor,
    quantity: Decimal,
    unit: str,
    counterparty: str,
    reason: str,
    witness=None,
    witness_password: str = "",
    request=None,
) -> LedgerEntry:
    """Record stock transferred out (another location, a reverse distributor for disposal).
    Stock leaves the clinic, so a witness confirms it as for waste."""
    errors: dict[str, str] = {}
    _require(errors, counterparty=counterparty, reason=reason)
    _raise_if(errors)
    amount = _stock_quantity(lot, quantity, unit)
    require_witness(
        clinic=lot.clinic, actor=actor, witness=witness, password=witness_password, request=request
    )
    return _post(
        lot,
        kind=EntryKind.TRANSFER_OUT,
        quantity=amount.quantity,
        delta=-amount.quantity,
        actor=actor,
        event_type="ledger.transferred",
        request=request,
        counterparty=counterparty,
        reason=reason,
        witness=witness,
    )


def adjust_stock(
    *,
    lot: Lot,
    actor,
    direction: str,
    quantity: Decimal,
    unit: str,
    reason: str,
    witness=None,
    witness_password: str = "",
    request=None,
) -> LedgerEntry:
    """Adjust a lot's balance up or down (`direction` "increase" / "decrease"), with a reason.
    A decrease removes stock, so it needs a witness as waste does; it is refused if it would
    take the balance below zero."""
    errors: dict[str, str] = {}
    _require(errors, reason=reason)
    if direction not in ("increase", "decrease"):
        errors["direction"] = "Choose increase or decrease."
    _raise_if(errors)
    amount = _stock_quantity(lot, quantity, unit)
    sign = 1 if direction == "increase" else -1
    if sign < 0:
        require_witness(
            clinic=lot.clinic,
            actor=actor,
            witness=witness,
            password=witness_password,
            request=request,
        )
    return _post(
        lot,
        kind=EntryKind.ADJUSTMENT,
        quantity=amount.quantity,
        delta=sign * amount.quantity,
        actor=actor,
        event_type="ledger.adjusted",
        request=request,
        reason=reason,
        witness=witness if sign < 0 else None,
    )


def correct_entry(*, entry: LedgerEntry, actor, reason: str, request=None) -> LedgerEntry:
    """Reverse an earlier entry with a new `correction` entry pointing at it; the original
    stays. An entry is corrected at most once; counts and corrections are not reversed (record
    a new count, or a new entry). Refused if the reversal would take the balance below zero."""
    errors: dict[str, str] = {}
    _require(errors, reason=reason)
    _raise_if(errors)
    if entry.kind in (EntryKind.COUNT, EntryKind.CORRECTION):
        raise StateError(f"A {entry.get_kind_display().lower()} cannot be corrected.")
    if LedgerEntry.objects.filter(corrects=entry).exists():
        raise StateError("This entry has already been corrected.")
    try:
        with transaction.atomic():
            return _post(
                entry.lot,
                kind=EntryKind.CORRECTION,
                quantity=abs(entry.delta),
                delta=-entry.delta,
                actor=actor,
                event_type="ledger.corrected",
                request=request,
                reason=reason,
                corrects=entry,
            )
    except IntegrityError as exc:  # a concurrent correction of the same entry won
        raise StateError("This entry has already been corrected.") from exc
