from decimal import Decimal

import pytest

from ketamine_care.accounts.models import Clinic
from ketamine_care.demo.data import load_demo
from ketamine_care.inventory.models import LedgerEntry, Lot


@pytest.mark.django_db
def test_the_demo_ledger_is_stocked_once_with_a_witnessed_waste():
    first = load_demo()
    second = load_demo()
    assert (first["ledger_entries_created"], second["ledger_entries_created"]) == (9, 0)
    demo = Clinic.objects.get(name="Demo Clinic")
    entries = LedgerEntry.objects.filter(clinic=demo)
    assert entries.filter(kind="receipt").count() == 3
    assert entries.filter(kind="draw").count() == 5
    waste = entries.get(kind="waste")
    assert waste.witness is not None and waste.witness != waste.performed_by
    lot = Lot.objects.get(clinic=demo, lot_number="KET-DEMO-A")
    assert lot.balance == Decimal("96.90")  # 100 mL - 0.7 - 1.2 - 0.9 drawn - 0.3 wasted
    assert Lot.objects.get(clinic=demo, lot_number="ESK-DEMO-A").balance == 19
