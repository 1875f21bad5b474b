"""The weight basis in the browser: a man of 180 cm weighing 110 kg (BMI 34.0; test data) has
his dose blocked until the clinician chooses the weight it is calculated on; the ideal body
weight (75 kg, Devine) is chosen at the pre-session checks, the dose is calculated on it,
prefilled, and recorded with it."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.patients.services import record_measurement
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.inventory import make_ketamine_vials, receive
from ketamine_care.treatment_sessions.models import DoseAdministration
from ketamine_care.treatment_sessions.tests.factories import (
    activate,
    complete_pre_checks,
    in_pre_assessment,
)
from tests.browser.screenshots import save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long browser test password"


@pytest.fixture
def heavy():
    clinic = Clinic.objects.create(name="Basis Clinic")
    director = User.objects.create_user("md@basis.clinic", PASSWORD, full_name="Dr Director")
    Membership.objects.create(user=director, clinic=clinic, role=Role.MEDICAL_DIRECTOR)
    nurse = User.objects.create_user("nurse@basis.clinic", PASSWORD, full_name="Nora Nurse")
    Membership.objects.create(user=nurse, clinic=clinic, role=Role.NURSE)
    patient = make_patient(
        clinic=clinic, actor=director, family_name="Brand", mrn="B-1", sex="male"
    )
    record_measurement(patient=patient, actor=nurse, height=Decimal("180"))
    version = activate(clinic, director)
    session = in_pre_assessment(patient, version, nurse, director)
    complete_pre_checks(session, nurse, weight_kg=Decimal("110"))
    lot = receive(
        make_ketamine_vials(clinic=clinic, actor=director), director, 2, lot_number="KB-7"
    )
    return nurse, director, session, lot


def test_the_clinician_chooses_ideal_weight_and_the_dose_is_calculated_on_it(page, sign_in, heavy):
    nurse, director, session, lot = heavy
    sign_in(nurse.email, PASSWORD)
    page.goto(f"/sessions/{session.public_id}/")

    expect(page.locator("#calculated-dose-blocked")).to_contain_text(
        "the clinician must choose the weight basis"
    )
    expect(page.locator("#calculated-dose")).to_have_count(0)
    basis = page.get_by_label("Weight the dose is calculated on")
    expect(basis).to_be_visible()  # the checks open themselves to ask for it
    save(page, "session-weight-basis-asked")
    basis.select_option(label="Ideal body weight (Devine)")
    page.get_by_role("button", name="Save checks").click()

    expect(page.locator("#calculated-dose")).to_have_text("37.5 mg")
    expect(page.locator("#calculated-dose-weight")).to_have_text("(on ideal body weight 75 kg)")
    expect(page.locator("#calculated-dose-blocked")).to_have_count(0)
    expect(page.get_by_label("Weight the dose is calculated on")).to_have_value("ideal")
    save(page, "session-weight-basis")

    page.get_by_role("button", name="Start dosing", exact=True).click()
    expect(page.locator("#session-state")).to_have_text("Dosing")
    form = page.locator("#dose-form")
    expect(form.get_by_label("Dose (mg)")).to_have_value("37.5")
    expect(form).to_contain_text("Prefilled with the calculated dose (on ideal body weight 75 kg)")
    form.get_by_label("Lot", exact=True).select_option(str(lot.public_id))
    form.get_by_label("Second clinician", exact=True).select_option(director.email)
    form.get_by_label("Second clinician's password").fill(PASSWORD)
    form.get_by_role("button", name="Record dose").click()

    expect(page.locator("#dose-line")).to_contain_text("calculated on ideal body weight 75 kg")
    save(page, "session-weight-basis-dose")
    dose = DoseAdministration.objects.get()
    assert (dose.weight_basis, dose.weight_used_kg) == ("ideal", Decimal("75.00"))
