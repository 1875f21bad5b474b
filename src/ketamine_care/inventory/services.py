"""Writes to the controlled-substance ledger. Each function validates, appends one entry,
moves the lot's running balance and audits, all in one transaction.

Concurrency: every balance change locks the lot row (SELECT ... FOR UPDATE on PostgreSQL;
SQLite's IMMEDIATE transactions serialise writers) and reads the balance only after taking
the lock, so two draws racing for the last vial cannot both succeed: the second sees the
first one's balance and gets InsufficientStock. Authorization happens before these calls
(`inventory.access.access_*`, `accounts.permissions.require`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from ketamine_care.audit.services import record
from ketamine_care.core.errors import Conflict, StateError, ValidationFailed
from ketamine_care.core.parsing import parse_decimal
from ketamine_care.inventory.ledger import (
    MAX_ML_PER_VIAL,
    NegativeBalance,
    QuantityError,
    StockQuantity,
    apply_delta,
    check_entry_ceiling,
    to_stock_quantity,
)
from ketamine_care.inventory.models import (
    DosageForm,
    Drug,
    EntryKind,
    LedgerEntry,
    Lot,
    Product,
)
from ketamine_care.inventory.witness import require_witness

_FIX = "Please correct the highlighted fields."


# Data-entry guards on a product's label figures, not clinical numbers: they refuse a slipped
# digit (mg typed as mcg, a 10 mL vial typed as 1000). Ketamine vials and esketamine devices
# on the market are far below them.
PRODUCT_CEILINGS = {
    "strength_mg_per_ml": Decimal(1000),
    "volume_ml": MAX_ML_PER_VIAL,
    "mg_per_device": Decimal(1000),
}


class InsufficientStock(Conflict):
    code = "insufficient_stock"


class LotExpired(StateError):
    code = "lot_expired"


# --- validation helpers -------------------------------------------------------------------


def _stock_quantity(lot_or_product, quantity: Any, unit: str) -> StockQuantity:
    product = lot_or_product.product if isinstance(lot_or_product, Lot) else lot_or_product
    errors: dict[str, str] = {}
    number = parse_decimal(quantity, "quantity", errors)
    if errors:
        raise ValidationFailed(_FIX, fields=errors)
    try:
        amount = to_stock_quantity(number, unit, product.stock_unit, product.volume_ml)
        check_entry_ceiling(amount, product.volume_ml)
        return amount
    except QuantityError as exc:
        raise ValidationFailed(_FIX, fields={exc.field: str(exc)}) from exc


def _text(value: Any, name: str, errors: dict, *, required: bool, max_length: int) -> str:
    text = (value or "").strip()
    if required and not text:
        errors[name] = "This field is required."
    elif len(text) > max_length:
        errors[name] = f"At most {max_length} characters."
    return text


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
        if refuse_expired and locked.is_expired_on(timezone.localdate()):
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


# --- products and lots --------------------------------------------------------------------


def add_product(*, clinic, actor, request=None, **values: Any) -> Product:
    """Add a stocked product. Vials need `strength_mg_per_ml` and `volume_ml`; nasal devices
    need `mg_per_device` (SPRAVATO delivers 28 mg per device). Esketamine is a nasal device."""
    errors: dict[str, str] = {}
    name = _text(values.get("name"), "name", errors, required=True, max_length=200)
    ndc = _text(values.get("ndc"), "ndc", errors, required=False, max_length=20)
    drug, form = values.get("drug"), values.get("form")
    if drug not in Drug.values:
        errors["drug"] = f"Choose one of: {', '.join(Drug.values)}."
    if form not in DosageForm.values:
        errors["form"] = f"Choose one of: {', '.join(DosageForm.values)}."
    if drug == Drug.ESKETAMINE and form != DosageForm.NASAL_DEVICE:
        errors["form"] = "Esketamine is stocked as nasal spray devices."
    needed = ("strength_mg_per_ml", "volume_ml") if form == "vial" else ("mg_per_device",)
    amounts = {}
    for field in ("strength_mg_per_ml", "volume_ml", "mg_per_device"):
        if field in needed:
            amounts[field] = parse_decimal(values.get(field), field, errors)
            ceiling = PRODUCT_CEILINGS[field]
            if amounts[field] is not None and not Decimal(0) < amounts[field]:
                errors[field] = "Enter an amount greater than zero."
            elif amounts[field] is not None and amounts[field] > ceiling:
                errors[field] = f"At most {ceiling}: check the label."
        elif values.get(field) not in (None, ""):
            errors[field] = "Not used for this dosage form."
    if name and Product.objects.filter(clinic=clinic, name=name).exists():
        errors["name"] = "A product with this name already exists."
    _raise_if(errors)
    with transaction.atomic():
        product = Product.objects.create(
            clinic=clinic, name=name, drug=drug, form=form, ndc=ndc, **amounts
        )
        record(
            event_type="ledger.product_added",
            actor=actor,
            clinic=clinic,
            obj=product,
            changes={"new": {"name": name, "drug": drug, "form": form, "ndc": ndc, **amounts}},
            request=request,
        )
    return product


def _lot_for_arrival(product: Product, lot_number: Any, expiry_date: Any) -> Lot:
    """The product's lot with this number, created on first arrival; the expiry must match."""
    errors: dict[str, str] = {}
    number = _text(lot_number, "lot_number", errors, required=True, max_length=40)
    if not isinstance(expiry_date, date):
        errors["expiry_date"] = "Enter the expiry date as YYYY-MM-DD."
    _raise_if(errors)
    lot = Lot.objects.filter(product=product, lot_number=number).first()
    if lot is not None:
        if lot.expiry_date != expiry_date:
            raise ValidationFailed(
                _FIX,
                fields={"expiry_date": f"Lot {number} is on file with expiry {lot.expiry_date}."},
            )
        return lot
    try:
        with transaction.atomic():
            return Lot.objects.create(
                clinic_id=product.clinic_id,
                product=product,
                lot_number=number,
                expiry_date=expiry_date,
                unit=product.stock_unit,
            )
    except IntegrityError:  # a concurrent receipt created it first
        return Lot.objects.get(product=product, lot_number=number)


# --- the ledger entries -------------------------------------------------------------------


def receive_stock(
    *,
    product: Product,
    actor,
    lot_number: str,
    expiry_date: date,
    quantity: Any,
    unit: str,
    invoice_number: str,
    request=None,
) -> LedgerEntry:
    """Record stock received from a supplier (invoice number required; for Schedule III,
    the supplier's invoice is the receiving record). `unit` is "vial", "ml" or "device"."""
    errors: dict[str, str] = {}
    invoice = _text(invoice_number, "invoice_number", errors, required=True, max_length=60)
    _raise_if(errors)
    amount = _stock_quantity(product, quantity, unit)
    lot = _lot_for_arrival(product, lot_number, expiry_date)
    return _post(
        lot,
        kind=EntryKind.RECEIPT,
        quantity=amount.quantity,
        delta=amount.quantity,
        actor=actor,
        event_type="ledger.received",
        request=request,
        invoice_number=invoice,
    )


def draw_stock(
    *, lot: Lot, actor, quantity: Any, unit: str, administration_ref: str = "", request=None
) -> LedgerEntry:
    """Draw stock for an administration. Refused for an expired lot (LotExpired) and when
    the lot holds less than asked (InsufficientStock, checked under the lot's row lock)."""
    errors: dict[str, str] = {}
    ref = _text(administration_ref, "administration_ref", errors, required=False, max_length=64)
    _raise_if(errors)
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
        administration_ref=ref,
    )


def waste_stock(
    *,
    lot: Lot,
    actor,
    witness,
    quantity: Any,
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
    why = _text(reason, "reason", errors, required=True, max_length=2000)
    ref = _text(administration_ref, "administration_ref", errors, required=False, max_length=64)
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
        reason=why,
        administration_ref=ref,
    )


def transfer_in(
    *,
    product: Product,
    actor,
    lot_number: str,
    expiry_date: date,
    quantity: Any,
    unit: str,
    counterparty: str,
    reason: str,
    request=None,
) -> LedgerEntry:
    """Record stock transferred in from another registrant or location."""
    errors: dict[str, str] = {}
    other = _text(counterparty, "counterparty", errors, required=True, max_length=200)
    why = _text(reason, "reason", errors, required=True, max_length=2000)
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
        counterparty=other,
        reason=why,
    )


def transfer_out(
    *,
    lot: Lot,
    actor,
    quantity: Any,
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
    other = _text(counterparty, "counterparty", errors, required=True, max_length=200)
    why = _text(reason, "reason", errors, required=True, max_length=2000)
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
        counterparty=other,
        reason=why,
        witness=witness,
    )


def adjust_stock(
    *,
    lot: Lot,
    actor,
    direction: str,
    quantity: Any,
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
    why = _text(reason, "reason", errors, required=True, max_length=2000)
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
        reason=why,
        witness=witness if sign < 0 else None,
    )


def correct_entry(*, entry: LedgerEntry, actor, reason: str, request=None) -> LedgerEntry:
    """Reverse an earlier entry with a new `correction` entry pointing at it; the original
    stays. An entry is corrected at most once; counts and corrections are not reversed (record
    a new count, or a new entry). Refused if the reversal would take the balance below zero."""
    errors: dict[str, str] = {}
    why = _text(reason, "reason", errors, required=True, max_length=2000)
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
                reason=why,
                corrects=entry,
            )
    except IntegrityError as exc:  # a concurrent correction of the same entry won
        raise StateError("This entry has already been corrected.") from exc
