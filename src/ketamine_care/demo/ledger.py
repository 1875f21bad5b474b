"""Demo controlled-substance ledger: two products, three lots, receipts with invoices, a few
draws and one witnessed waste. Idempotent: a clinic that already stocks products is left
alone. Deterministic: fixed lot numbers, quantities and invoice numbers; expiry dates are
relative to the day the demo is loaded."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from ketamine_care.accounts.models import User
from ketamine_care.core.clock import clinic_today
from ketamine_care.inventory import services
from ketamine_care.inventory.models import Product

# (product name, lot number, days to expiry, quantity, unit, invoice number)
RECEIPTS = [
    ("Ketamine HCl 50 mg/mL, 10 mL vial", "KET-DEMO-A", 300, Decimal(10), "vial", "DEMO-INV-0001"),
    ("Ketamine HCl 50 mg/mL, 10 mL vial", "KET-DEMO-B", 120, Decimal(5), "vial", "DEMO-INV-0002"),
    (
        "SPRAVATO (esketamine) 28 mg nasal device",
        "ESK-DEMO-A",
        200,
        Decimal(24),
        "device",
        "DEMO-INV-0003",
    ),
]
# (lot number, quantity, unit, administration reference)
DRAWS = [
    ("KET-DEMO-A", Decimal("0.70"), "ml", "demo-adm-001"),
    ("KET-DEMO-A", Decimal("1.20"), "ml", "demo-adm-002"),
    ("KET-DEMO-A", Decimal("0.90"), "ml", "demo-adm-003"),
    ("ESK-DEMO-A", Decimal("3"), "device", "demo-adm-004"),
    ("ESK-DEMO-A", Decimal("2"), "device", "demo-adm-005"),
]


def make_ledger_demo(clinic) -> dict:
    """Stock the demo clinic's ledger (once)."""
    if Product.objects.filter(clinic=clinic).exists():
        return {"ledger_entries_created": 0}
    admin = User.objects.get(email="clinic_admin@demo.clinic")
    nurse = User.objects.get(email="nurse@demo.clinic")
    prescriber = User.objects.get(email="prescriber@demo.clinic")
    products = {
        "Ketamine HCl 50 mg/mL, 10 mL vial": services.add_product(
            clinic=clinic,
            actor=admin,
            name="Ketamine HCl 50 mg/mL, 10 mL vial",
            drug="ketamine",
            form="vial",
            strength_mg_per_ml=Decimal("50"),
            volume_ml=Decimal("10"),
        ),
        "SPRAVATO (esketamine) 28 mg nasal device": services.add_product(
            clinic=clinic,
            actor=admin,
            name="SPRAVATO (esketamine) 28 mg nasal device",
            drug="esketamine",
            form="nasal_device",
            mg_per_device=Decimal("28"),
        ),
    }
    today = clinic_today(clinic)
    lots = {}
    for name, number, days, quantity, unit, invoice in RECEIPTS:
        entry = services.receive_stock(
            product=products[name],
            actor=admin,
            lot_number=number,
            expiry_date=today + timedelta(days=days),
            quantity=quantity,
            unit=unit,
            invoice_number=invoice,
        )
        lots[number] = entry.lot
    for number, quantity, unit, ref in DRAWS:
        services.draw_stock(
            lot=lots[number], actor=nurse, quantity=quantity, unit=unit, administration_ref=ref
        )
    services.waste_stock(
        lot=lots["KET-DEMO-A"],
        actor=nurse,
        witness=prescriber,
        witness_password=demo_password(),
        quantity=Decimal("0.30"),
        unit="ml",
        reason="Unused remainder of the drawn dose",
        administration_ref="demo-adm-003",
    )
    return {"ledger_entries_created": len(RECEIPTS) + len(DRAWS) + 1}


def demo_password() -> str:
    # demo.data imports this module: read its constant when called, not at import time.
    from ketamine_care.demo.data import DEMO_PASSWORD

    return DEMO_PASSWORD
