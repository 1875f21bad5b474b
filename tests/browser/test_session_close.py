"""The end of the clinic day in the browser: an HTMX vitals save refreshes every panel of the
session page and gives the focus back to the first vitals field; *To sign* lists a discharged
session, and signing it with the password empties the list. Screenshots of the session page
at 1366 and 768 px go to test-output/screenshots/ (ignored by git)."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.testing.builders import make_patient
from ketamine_care.treatment_sessions.tests.factories import (
    activate,
    discharged_session,
    dosing_session,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long browser test password"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
WIDTHS = (1366, 768)


@pytest.fixture
def clinic_staff():
    clinic = Clinic.objects.create(name="Closing Clinic")
    staff = {}
    for role, email, name in (
        (Role.MEDICAL_DIRECTOR, "md@closing.clinic", "Dr Director"),
        (Role.PRESCRIBER, "rx@closing.clinic", "Dr Prescriber"),
        (Role.NURSE, "rn@closing.clinic", "Nora Nurse"),
    ):
        staff[role] = User.objects.create_user(email, PASSWORD, full_name=name)
        Membership.objects.create(user=staff[role], clinic=clinic, role=role)
    version = activate(clinic, staff[Role.MEDICAL_DIRECTOR])
    return clinic, version, staff


def patient(clinic, actor, name, mrn):
    return make_patient(clinic=clinic, actor=actor, family_name=name, mrn=mrn)


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 1000})
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_htmx_vitals_save_refreshes_every_panel_and_returns_the_focus(
    page, sign_in, clinic_staff
):
    clinic, version, staff = clinic_staff
    nurse, prescriber = staff[Role.NURSE], staff[Role.PRESCRIBER]
    session = dosing_session(
        patient(clinic, nurse, "Ridley", "C-1"), version, nurse, prescriber, password=PASSWORD
    )
    sign_in(nurse.email, PASSWORD)
    page.goto(f"/sessions/{session.public_id}/")
    readiness = page.locator("#readiness")
    expect(readiness).to_contain_text("no blood pressure recorded after dosing")
    expect(page.locator("#pre-checks-folded")).to_be_visible()
    expect(page.locator("#pre-checks")).to_be_hidden()  # folded once dosing started

    page.get_by_label("Systolic (mmHg)").fill("205")
    page.get_by_label("Diastolic (mmHg)").fill("100")
    page.get_by_label("Heart rate (/min)").fill("88")
    page.get_by_role("button", name="Save vitals").click()

    expect(page.locator("#vitals-table")).to_contain_text("205/100")
    alert = page.locator("#session-alerts [data-rule=bp_above_200_120]")
    expect(alert).to_contain_text("URGENT")  # the alerts panel, swapped out of band
    expect(readiness).to_contain_text("latest blood pressure meets an urgent threshold")
    expect(readiness).not_to_contain_text("no blood pressure recorded after dosing")
    systolic = page.get_by_label("Systolic (mmHg)")
    expect(systolic).to_be_focused()
    expect(systolic).to_have_value("")
    assert page.url.endswith(f"/sessions/{session.public_id}/")  # no page load

    alert.get_by_label("Action taken").fill("Repeated BP, no symptoms, prescriber informed")
    alert.get_by_role("button", name="Acknowledge").click()
    expect(alert).to_contain_text("Acknowledged by Nora Nurse")
    expect(readiness).not_to_contain_text("an urgent alert has not been acknowledged")
    screenshot(page, "session-monitoring")


def test_to_sign_lists_a_discharged_session_and_signing_empties_it(page, sign_in, clinic_staff):
    clinic, version, staff = clinic_staff
    nurse, prescriber = staff[Role.NURSE], staff[Role.PRESCRIBER]
    session = discharged_session(
        patient(clinic, nurse, "Sable", "C-2"), version, nurse, prescriber, password=PASSWORD
    )
    sign_in(prescriber.email, PASSWORD)

    badge = page.locator("#to-sign-count")
    expect(badge).to_contain_text("1")
    page.get_by_role("link", name="To sign").click()
    row = page.locator("#to-sign tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Sable")
    link = row.get_by_role("link", name="Sign note…")
    expect(link).to_have_attribute("href", f"/sessions/{session.public_id}/#note")
    link.click()
    expect(page.locator("#session-state")).to_have_text("Discharged")
    expect(page.locator("#discharge-assessment")).to_contain_text("Escort: Sam Escort")
    screenshot(page, "session-to-sign")

    # A wrong password and an empty note are refused; nothing is signed.
    page.get_by_label("Your password").fill("not my password")
    page.get_by_role("button", name="Sign note…").click()
    expect(page.locator("#sign-form")).to_contain_text("Your password is not correct.")
    expect(page.locator("#sign-form")).to_contain_text("generated note is complete")
    expect(page.locator("#session-state")).to_have_text("Discharged")

    page.get_by_role("textbox", name="Clinical note").fill("Tolerated well; home with escort.")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign note…").click()
    expect(page.locator("#session-state")).to_have_text("Signed")
    expect(page.locator("#note-text")).to_have_text("Tolerated well; home with escort.")
    expect(page.locator("#vitals-form")).to_have_count(0)
    expect(page.locator("#session-clock")).to_have_count(0)
    expect(page.get_by_text("Abort session")).to_have_count(0)
    screenshot(page, "session-signed")

    page.get_by_role("link", name="To sign").click()
    expect(page.locator("#to-sign-empty")).to_be_visible()
    expect(badge).to_have_count(0)
