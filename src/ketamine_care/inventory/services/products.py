"""Products and their arrival: adding a stocked product, receiving stock into a lot."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from ketamine_care.audit.services import record
from ketamine_care.core.errors import ValidationFailed
from ketamine_care.core.parsing import parse_decimal, parse_text
from ketamine_care.inventory.ledger import (
    MAX_ML_PER_VIAL,
)
from ketamine_care.inventory.models import (
    DosageForm,
    Drug,
    EntryKind,
    LedgerEntry,
    Lot,
    Product,
)
from ketamine_care.inventory.services.posting import (
    _FIX,
    _post,
    _raise_if,
    _stock_quantity,
)

# Data-entry guards on a product's label figures, not clinical numbers: they refuse a slipped
# digit (mg typed as mcg, a 10 mL vial typed as 1000). Ketamine vials and esketamine devices
# on the market are far below them.
PRODUCT_CEILINGS = {
    "strength_mg_per_ml": Decimal(1000),
    "volume_ml": MAX_ML_PER_VIAL,
    "mg_per_device": Decimal(1000),
}


def add_product(*, clinic, actor, request=None, **values: Any) -> Product:
    """Add a stocked product. Vials need `strength_mg_per_ml` and `volume_ml`; nasal devices
    need `mg_per_device` (SPRAVATO delivers 28 mg per device). Esketamine is a nasal device."""
    errors: dict[str, str] = {}
    name = parse_text(values.get("name"), "name", errors, required=True, max_length=200)
    ndc = parse_text(values.get("ndc"), "ndc", errors, required=False, max_length=20)
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
    number = parse_text(lot_number, "lot_number", errors, required=True, max_length=40)
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
    invoice = parse_text(invoice_number, "invoice_number", errors, required=True, max_length=60)
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
