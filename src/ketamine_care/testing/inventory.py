"""Builders for the controlled-substance ledger, going through the services."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import count

from ketamine_care.core.clock import clinic_today
from ketamine_care.inventory import services

_invoices = count(1)


def make_ketamine_vials(*, clinic, actor, name="Ketamine HCl 50 mg/mL, 10 mL vial"):
    return services.add_product(
        clinic=clinic,
        actor=actor,
        name=name,
        drug="ketamine",
        form="vial",
        strength_mg_per_ml=Decimal("50"),
        volume_ml=Decimal("10"),
    )


def make_esketamine_devices(*, clinic, actor, name="SPRAVATO 28 mg nasal device"):
    return services.add_product(
        clinic=clinic,
        actor=actor,
        name=name,
        drug="esketamine",
        form="nasal_device",
        mg_per_device=Decimal("28"),
    )


def receive(
    product, actor, quantity: Decimal | int, unit="vial", lot_number="LOT-A", expiry_date=None
):
    """Receive stock (a whole number of vials or devices may be given as an int); returns the
    lot."""
    entry = services.receive_stock(
        product=product,
        actor=actor,
        lot_number=lot_number,
        expiry_date=expiry_date or clinic_today(product.clinic) + timedelta(days=365),
        quantity=Decimal(quantity),
        unit=unit,
        invoice_number=f"INV-{next(_invoices):05d}",
    )
    return entry.lot


def yesterday(clinic=None) -> date:
    return clinic_today(clinic) - timedelta(days=1)


def make_ledger_fixture(*, clinic, admin, nurse) -> dict:
    """A product, a well-stocked lot, a draw and an open discrepancy: ids for route tests."""
    from ketamine_care.inventory.reconciliation import record_count

    product = make_ketamine_vials(clinic=clinic, actor=admin)
    lot = receive(product, admin, Decimal(100), "vial", lot_number="MATRIX")
    draw = services.draw_stock(lot=lot, actor=nurse, quantity=Decimal(1), unit="ml")
    _, discrepancy = record_count(lot=lot, actor=admin, counted_quantity=Decimal(1), unit="ml")
    return {"product": product, "lot": lot, "entry": draw, "discrepancy": discrepancy}
