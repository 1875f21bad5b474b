from decimal import Decimal

import pytest

from ketamine_care.accounts.models import Clinic
from ketamine_care.demo.data import load_demo
from ketamine_care.inventory.models import LedgerEntry, Lot
from ketamine_care.testing.demo_snapshot import load_demo_once
from ketamine_care.treatment_sessions.models import DoseAdministration


@pytest.mark.only_on("sqlite")  # the demo's database (`make demo`)
@pytest.mark.django_db
def test_the_demo_ledger_is_stocked_once_with_a_witnessed_waste():
    first = load_demo_once()
    second = load_demo()
    assert (first["ledger_entries_created"], second["ledger_entries_created"]) == (9, 0)
    demo = Clinic.objects.get(name="Demo Clinic")
    entries = LedgerEntry.objects.filter(clinic=demo)
    assert entries.filter(kind="receipt").count() == 3
    # The ledger's own five draws; the demo day's doses draw from the same lots on top.
    own = entries.filter(kind="draw", administration_ref__startswith="demo-adm-")
    assert own.count() == 5
    waste = entries.get(kind="waste")
    assert waste.witness is not None and waste.witness != waste.performed_by
    lot = Lot.objects.get(clinic=demo, lot_number="KET-DEMO-A")
    by_doses = entries.filter(kind="draw").exclude(pk__in=own)
    # 100 mL - 0.7 - 1.2 - 0.9 drawn - 0.3 wasted, less what the demo doses drew.
    assert lot.balance == Decimal("96.90") - sum(e.quantity for e in by_doses.filter(lot=lot))
    devices = Lot.objects.get(clinic=demo, lot_number="ESK-DEMO-A")
    assert devices.balance == 19 - sum(e.quantity for e in by_doses.filter(lot=devices))


@pytest.mark.only_on("sqlite")  # the demo's database (`make demo`)
@pytest.mark.django_db
def test_every_demo_dose_draws_from_a_demo_lot_that_exists():
    load_demo_once()
    demo = Clinic.objects.get(name="Demo Clinic")
    doses = list(DoseAdministration.objects.filter(session__clinic=demo))
    assert len(doses) >= 2
    draws = LedgerEntry.objects.filter(clinic=demo, kind="draw").exclude(
        administration_ref__startswith="demo-adm-"
    )
    assert {e.administration_ref for e in draws} == {str(d.public_id) for d in doses}
    for dose in doses:
        entry = dose.ledger_entry
        assert entry is not None and entry.lot.clinic == demo
        assert dose.lot_number == entry.lot.lot_number in ("KET-DEMO-A", "ESK-DEMO-A")
        assert dose.drug == entry.lot.product.drug
