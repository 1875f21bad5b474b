"""A therapist's day in the browser: the caseload lists a patient dosed today as needing an
integration session; the therapist records it from there, signs it, and the caseload no
longer lists the patient. Screenshots of the caseload and the signed note at 1366 and 768 px
go to test-output/screenshots/ (ignored by git)."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.testing.builders import make_patient
from ketamine_care.treatment_sessions.tests.factories import activate, dosing_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long browser test password"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
WIDTHS = (1366, 768)


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 1000})
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def dosed_patient():
    clinic = Clinic.objects.create(name="Integration Clinic")
    staff = {}
    for role, email, name in (
        (Role.MEDICAL_DIRECTOR, "md@kap.clinic", "Dr Director"),
        (Role.PRESCRIBER, "rx@kap.clinic", "Dr Prescriber"),
        (Role.NURSE, "rn@kap.clinic", "Nora Nurse"),
        (Role.THERAPIST, "tx@kap.clinic", "Theo Therapist"),
    ):
        staff[role] = User.objects.create_user(email, PASSWORD, full_name=name)
        Membership.objects.create(user=staff[role], clinic=clinic, role=role)
    version = activate(clinic, staff[Role.MEDICAL_DIRECTOR])
    patient = make_patient(
        clinic=clinic, actor=staff[Role.NURSE], family_name="Marlowe", mrn="KAP-1"
    )
    session = dosing_session(
        patient, version, staff[Role.NURSE], staff[Role.PRESCRIBER], password=PASSWORD
    )
    return staff[Role.THERAPIST], patient, session


def test_a_therapist_records_and_signs_an_integration_session_from_the_caseload(
    page, sign_in, dosed_patient
):
    therapist, patient, session = dosed_patient
    sign_in(therapist.email, PASSWORD)
    page.get_by_role("link", name="Therapy caseload").click()
    waiting = page.locator("#needs-integration")
    row = waiting.locator(f"tr[data-patient='{patient.public_id}']")
    expect(row).to_contain_text("Marlowe")
    expect(row).to_contain_text("Due")
    expect(waiting).not_to_contain_text(" mg")  # dates only: no dose
    screenshot(page, "therapy-caseload")

    row.get_by_role("link", name="Record integration").click()
    expect(page.get_by_label("Kind of session")).to_have_value("integration")
    expect(page.get_by_label("Dosing session")).to_have_value(str(session.public_id))
    page.get_by_label("Experience").fill("Saw his childhood home; felt at peace.")
    page.get_by_label("Integration themes").fill("Forgiveness; making room for rest.")
    page.get_by_label("Homework").fill("Ten minutes outside each morning.")
    page.get_by_label("No suicidal thoughts or behaviour reported").check()
    page.get_by_role("button", name="Save the note").click()

    expect(page.locator("#note-status")).to_contain_text("not signed yet")
    page.get_by_role("button", name="Save and sign").click()
    expect(page.locator("#note-status")).to_contain_text("Signed by Theo Therapist")
    expect(page.locator("#risk-check")).to_contain_text("No suicidal thoughts")
    expect(page.get_by_text("Amend the note")).to_be_visible()
    screenshot(page, "therapy-signed-note")

    page.get_by_role("link", name="Therapy caseload").click()
    expect(page.locator("#needs-integration")).to_contain_text(
        "No dosing session waits for an integration session."
    )
