"""A dose draws from a lot in the browser: the form is prefilled from the calculator, the lot
is picked from the clinic's usable lots, the second clinician confirms with their own password
(a wrong one saves nothing), and the draw lands in the ledger with the dose."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.inventory.models import LedgerEntry, Lot
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.inventory import make_esketamine_devices, make_ketamine_vials, receive
from ketamine_care.treatment_sessions import services
from ketamine_care.treatment_sessions.models import DoseAdministration
from ketamine_care.treatment_sessions.tests.factories import (
    activate,
    complete_pre_checks,
    screened_session,
)
from tests.browser.screenshots import save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long browser test password"


@pytest.fixture
def dosing():
    clinic = Clinic.objects.create(name="Dose Clinic")
    director = User.objects.create_user("md@dose.clinic", PASSWORD, full_name="Dr Director")
    Membership.objects.create(user=director, clinic=clinic, role=Role.MEDICAL_DIRECTOR)
    nurse = User.objects.create_user("nurse@dose.clinic", PASSWORD, full_name="Nora Nurse")
    Membership.objects.create(user=nurse, clinic=clinic, role=Role.NURSE)
    patient = make_patient(clinic=clinic, actor=director, family_name="Dorn", mrn="D-1")
    version = activate(clinic, director)
    session = screened_session(patient, version, director, chair_label="Chair 1")
    services.check_in(session=session, actor=nurse)
    services.start_pre_assessment(session=session, actor=nurse)
    complete_pre_checks(session, nurse)
    services.start_dosing(session=session, actor=nurse)
    vials = make_ketamine_vials(clinic=clinic, actor=director)
    lot = receive(vials, director, 2, lot_number="KB-201")
    devices = make_esketamine_devices(clinic=clinic, actor=director)
    receive(devices, director, 4, unit="device", lot_number="ESK-9")
    return nurse, director, session, lot


def test_a_dose_draws_from_a_lot(page, sign_in, dosing):
    nurse, director, session, lot = dosing
    sign_in(nurse.email, PASSWORD)
    page.goto(f"/sessions/{session.public_id}/")

    form = page.locator("#dose-form")
    expect(form.get_by_label("Dose (mg)")).to_have_value("35.0")
    expect(form.get_by_label("Start (infusion or injection)")).not_to_have_value("")
    expect(form.locator("textarea[name=device_times]")).to_have_count(0)
    lots = form.get_by_label("Lot", exact=True)
    expect(lots.locator("option")).to_have_count(2)  # "Choose a lot" and KB-201 only
    lots.select_option(str(lot.public_id))
    expect(lots).to_contain_text(f"lot KB-201 · exp {lot.expiry_date:%Y-%m-%d}")
    form.get_by_label("Second clinician", exact=True).select_option(director.email)
    form.get_by_label("Second clinician's password").fill("not the password")
    save(page, "dose-form")
    form.get_by_role("button", name="Record dose").click()

    expect(page.locator("#dose-form")).to_contain_text(
        "The second clinician's password is not correct"
    )
    assert DoseAdministration.objects.count() == 0
    assert not LedgerEntry.objects.filter(lot=lot, kind="draw").exists()

    form = page.locator("#dose-form")
    form.get_by_label("Lot", exact=True).select_option(str(lot.public_id))
    form.get_by_label("Second clinician", exact=True).select_option(director.email)
    form.get_by_label("Second clinician's password").fill(PASSWORD)
    form.get_by_role("button", name="Record dose").click()
    expect(page.locator("#dose-line")).to_contain_text("35.00 mg ketamine intravenous, lot KB-201")
    expect(page.locator("#dose-line")).to_contain_text("ledger draw recorded")
    draw = LedgerEntry.objects.get(lot=lot, kind="draw")
    assert draw.quantity == Decimal("0.70")
    assert Lot.objects.get(pk=lot.pk).balance == Decimal("19.30")
    assert DoseAdministration.objects.get().ledger_entry == draw
