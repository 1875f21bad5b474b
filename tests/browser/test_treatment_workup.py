"""The eligibility workup in the browser: open a patient, screen for iv-ketamine-trd, read the
reasons, override a requires_override verdict with a reason, create a plan, see the calendar."""

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.patients import services as patients
from ketamine_care.testing.treatment import activate_trd, next_monday
from tests.browser.screenshots import save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long browser test password"


@pytest.fixture
def workup_patient():
    clinic = Clinic.objects.create(name="Workup Clinic")
    director = User.objects.create_user("md@workup.clinic", PASSWORD, full_name="Dr Director")
    Membership.objects.create(user=director, clinic=clinic, role=Role.MEDICAL_DIRECTOR)
    activate_trd(clinic=clinic, director=director)
    patient = patients.register_patient(
        clinic=clinic,
        actor=director,
        mrn="WK-1",
        given_name="Wren",
        family_name="Keller",
        date_of_birth=date(1980, 3, 3),
        sex="female",
    )
    patients.add_diagnosis(patient=patient, actor=director, icd10_code="F33.2", label="MDD")
    patients.record_measurement(
        patient=patient, actor=director, unit="metric", weight=Decimal("82"), height=Decimal("170")
    )
    return director, patient


def open_workup(page, patient) -> None:
    """From the chart, the eligibility workup for IV ketamine (TRD)."""
    page.goto(f"/patients/{patient.public_id}/")
    expect(page.get_by_role("heading", name="Keller, Wren")).to_be_visible()
    page.get_by_label("Protocol to screen for").select_option("iv-ketamine-trd")
    page.get_by_role("button", name="Screen for eligibility").click()


def test_screen_override_plan_and_calendar(page, sign_in, workup_patient):
    director, patient = workup_patient
    sign_in(director.email, PASSWORD)

    open_workup(page, patient)

    expect(page.locator("#record-facts")).to_contain_text("Major depressive disorder")
    expect(page.locator("#record-facts")).not_to_contain_text("mdd")
    page.get_by_label("I reviewed the medical history").check()
    review = page.locator("#medication-review")
    expect(review).to_contain_text("The chart lists no current medications.")
    page.get_by_label("I reviewed the current medications with the patient").check()
    page.get_by_label("Pregnant").select_option("no")
    page.get_by_label("Breastfeeding").select_option("no")
    page.get_by_label("Systolic BP").fill("124")
    page.get_by_label("Diastolic BP").fill("78")
    page.get_by_label("Heart rate").fill("72")
    page.get_by_label("Failed adequate antidepressant trials").fill("1")
    save(page, "screening-workup")
    page.get_by_role("button", name="Screen", exact=True).click()

    expect(page.locator("#verdict-label")).to_have_text("Requires override")
    reasons = page.locator("#verdict-reasons")
    expect(reasons).to_contain_text("Needs override")
    expect(reasons).to_contain_text("Fewer than 2 failed adequate antidepressant trials")
    expect(reasons).not_to_contain_text("requires_override")
    expect(reasons).not_to_contain_text("medication review")
    expect(reasons).to_contain_text("Spravato US prescribing information (v18, 2026) §1")

    page.get_by_label("Reason for proceeding").fill("Second trial not tolerated; documented.")
    page.get_by_role("button", name="Override with this reason").click()
    expect(page.locator("#override-record")).to_contain_text("Second trial not tolerated")
    expect(page.locator("#override-record")).to_contain_text("Awaiting")

    page.get_by_role("link", name="Create a treatment plan").click()
    start = next_monday()
    page.get_by_label("First visit").fill(start.isoformat())
    page.get_by_role("button", name="Create plan").click()

    calendar = page.locator("#plan-calendar")
    expect(calendar.get_by_role("heading", name="Calendar")).to_be_visible()
    expect(calendar.locator("caption").first).to_have_text(start.strftime("%B %Y"))
    expect(calendar).to_contain_text("Visit 1")
    expect(page.locator("#plan-visits")).to_contain_text("0.5 mg/kg")


def test_an_unreviewed_medication_list_is_asked_for_once_above_the_reasons(
    page, sign_in, workup_patient
):
    director, patient = workup_patient
    sign_in(director.email, PASSWORD)
    open_workup(page, patient)
    page.get_by_label("I reviewed the medical history").check()
    page.get_by_role("button", name="Screen", exact=True).click()

    expect(page.locator("#verdict-label")).to_have_text("Requires override")
    summary = page.locator("#to-record")
    expect(summary).to_contain_text("Record to decide the open rules")
    expect(summary).to_contain_text("Medication review (confirm the list is complete):")
    expect(summary).not_to_contain_text("medications_reviewed")
    save(page, "screening-verdict-medication-review")
