"""Products and their arrival: adding a stocked product, receiving stock into a lot."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from ketamine_care.audit.services import record
from ketamine_care.core.errors import ValidationFailed
from ketamine_care.core.parsing import REQUIRED
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
    _require,
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


def add_product(
    *,
    clinic,
    actor,
    name: str,
    drug: str,
    form: str,
    strength_mg_per_ml: Decimal | None = None,
    volume_ml: Decimal | None = None,
    mg_per_device: Decimal | None = None,
    ndc: str = "",
    request=None,
) -> Product:
    """Add a stocked product. Vials need `strength_mg_per_ml` and `volume_ml`; nasal devices
    need `mg_per_device` (SPRAVATO delivers 28 mg per device). Esketamine is a nasal device.
    The form or schema has parsed the input (text stripped, amounts as Decimal)."""
    errors: dict[str, str] = {}
    if drug not in Drug.values:
        errors["drug"] = f"Choose one of: {', '.join(Drug.values)}."
    if form not in DosageForm.values:
        errors["form"] = f"Choose one of: {', '.join(DosageForm.values)}."
    if drug == Drug.ESKETAMINE and form != DosageForm.NASAL_DEVICE:
        errors["form"] = "Esketamine is stocked as nasal spray devices."
    given = {
        "strength_mg_per_ml": strength_mg_per_ml,
        "volume_ml": volume_ml,
        "mg_per_device": mg_per_device,
    }
    amounts = _label_amounts(form, given, errors)
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


def _label_amounts(form: str, given: dict[str, Decimal | None], errors: dict) -> dict:
    """The label figures this dosage form needs, each above zero and under its ceiling; a
    figure the form does not use is refused."""
    needed = ("strength_mg_per_ml", "volume_ml") if form == "vial" else ("mg_per_device",)
    amounts = {}
    for field, value in given.items():
        if field not in needed:
            if value is not None:
                errors[field] = "Not used for this dosage form."
            continue
        amounts[field] = value
        ceiling = PRODUCT_CEILINGS[field]
        if value is None:
            errors[field] = REQUIRED
        elif not Decimal(0) < value:
            errors[field] = "Enter an amount greater than zero."
        elif value > ceiling:
            errors[field] = f"At most {ceiling}: check the label."
    return amounts


def _lot_for_arrival(product: Product, lot_number: str, expiry_date: date | None) -> Lot:
    """The product's lot with this number, created on first arrival; the expiry must match."""
    errors: dict[str, str] = {}
    _require(errors, lot_number=lot_number)
    if expiry_date is None:
        errors["expiry_date"] = REQUIRED
    _raise_if(errors)
    lot = Lot.objects.filter(product=product, lot_number=lot_number).first()
    if lot is not None:
        if lot.expiry_date != expiry_date:
            raise ValidationFailed(
                _FIX,
                fields={
                    "expiry_date": f"Lot {lot_number} is on file with expiry {lot.expiry_date}."
                },
            )
        return lot
    try:
        with transaction.atomic():
            return Lot.objects.create(
                clinic_id=product.clinic_id,
                product=product,
                lot_number=lot_number,
                expiry_date=expiry_date,
                unit=product.stock_unit,
            )
    except IntegrityError:  # a concurrent receipt created it first
        return Lot.objects.get(product=product, lot_number=lot_number)


def receive_stock(
    *,
    product: Product,
    actor,
    lot_number: str,
    expiry_date: date,
    quantity: Decimal,
    unit: str,
    invoice_number: str,
    request=None,
) -> LedgerEntry:
    """Record stock received from a supplier (invoice number required; for Schedule III,
    the supplier's invoice is the receiving record). `unit` is "vial", "ml" or "device"."""
    errors: dict[str, str] = {}
    _require(errors, invoice_number=invoice_number)
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
        invoice_number=invoice_number,
    )
