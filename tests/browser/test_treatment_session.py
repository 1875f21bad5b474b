"""A whole dosing session in the browser: check in, pre-checks, a pre-dose BP in the severe
range that holds the dose until its alert is acknowledged, dose, three vitals entries with an
urgent BP alert acknowledged, discharge with its assessment, sign with the password, amend."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.inventory.models import Lot
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.inventory import make_ketamine_vials, receive
from ketamine_care.treatment_sessions.tests.factories import activate, screened_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long browser test password"
HR = "Heart rate (/min)"


def local(minutes_ago: float) -> str:
    return timezone.localtime(timezone.now() - timedelta(minutes=minutes_ago)).strftime(
        "%Y-%m-%dT%H:%M"
    )


@pytest.fixture
def scheduled():
    clinic = Clinic.objects.create(name="Session Clinic")
    director = User.objects.create_user("md@session.clinic", PASSWORD, full_name="Dr Director")
    Membership.objects.create(user=director, clinic=clinic, role=Role.MEDICAL_DIRECTOR)
    nurse = User.objects.create_user("nurse@session.clinic", PASSWORD, full_name="Nora Nurse")
    Membership.objects.create(user=nurse, clinic=clinic, role=Role.NURSE)
    patient = make_patient(clinic=clinic, actor=director, family_name="Quill", mrn="S-1")
    version = activate(clinic, director)
    screened_session(patient, version, director, chair_label="Chair 2")
    vials = make_ketamine_vials(clinic=clinic, actor=director)
    receive(vials, director, 2, lot_number="KB-101")
    return director, nurse


def enter_vitals(page, systolic, diastolic, minutes_ago, **extra):
    page.get_by_label("Systolic (mmHg)").fill(str(systolic))
    page.get_by_label("Diastolic (mmHg)").fill(str(diastolic))
    for label, value in extra.items():
        page.get_by_label(label).fill(str(value))
    page.get_by_label("Measured at (empty = now)").fill(local(minutes_ago))
    page.get_by_role("button", name="Save vitals").click()
    expect(page.locator("#vitals-table")).to_contain_text(f"{systolic}/{diastolic}")
    htmx_idle(page)


def htmx_idle(page):
    """The save's panels are swapped and settled: a click on a panel it replaces out of band
    must not land on the old one."""
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)


def acknowledge(page, rule, action):
    htmx_idle(page)
    alert = page.locator(f"#session-alerts [data-rule={rule}]")
    alert.get_by_label("Action taken").fill(action)
    expect(alert.get_by_label("Action taken")).to_have_value(action)
    alert.get_by_role("button", name="Acknowledge").click()
    expect(alert).to_contain_text("Acknowledged by Dr Director")


def next_step(page, button, state):
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.locator("#session-state")).to_have_text(state)


def test_a_whole_session_from_check_in_to_amended_note(page, sign_in, scheduled, tmp_path):
    director, nurse = scheduled
    sign_in(director.email, PASSWORD)

    page.goto("/sessions/check-in/")
    page.get_by_role("button", name="Check in").click()
    expect(page.locator("#session-state")).to_have_text("Checked in")
    next_step(page, "Start pre-assessment", "Pre-assessment")

    page.get_by_text("Record pre-session checks").click()
    page.get_by_label("Today's weight (kg)").fill("70")
    page.get_by_label("Escort and transport confirmed").check()
    page.get_by_label("Consent on file").check()
    page.get_by_label("Medications taken today reviewed").check()
    page.get_by_label("Pregnancy test").select_option("negative")
    page.get_by_label("Day-of-session questions asked").check()
    page.get_by_role("button", name="Save checks").click()
    expect(page.locator("#calculated-dose")).to_have_text("35.0 mg")

    # A pre-dose BP of 185/112 holds the dose until the prescriber's decision is recorded.
    enter_vitals(page, 185, 112, 155)
    hold = page.locator("#session-alerts [data-rule=pre_dose_bp_hold_180_110]")
    expect(hold).to_contain_text("URGENT")
    expect(hold).to_contain_text("Hold the dose. Recheck BP after 5 minutes of rest")
    expect(page.locator("#dose-hold")).to_contain_text("Dose on hold.")
    dosing = page.get_by_role("button", name="Start dosing", exact=True)
    expect(dosing).to_be_disabled()
    page.screenshot(path=str(tmp_path / "session-dose-hold.png"), full_page=True)
    enter_vitals(page, 150, 90, 150, **{HR: 72})
    acknowledge(page, "pre_dose_bp_above_140_90", "Benefit outweighs a short BP rise")
    expect(dosing).to_be_disabled()  # the review warning does not lift the hold
    acknowledge(page, "pre_dose_bp_hold_180_110", "Rechecked after rest 150/90; prescriber: dose")
    expect(page.locator("#dose-hold")).to_have_count(0)
    next_step(page, "Start dosing", "Dosing")

    page.get_by_label("Dose (mg)").fill("35")
    lot = Lot.objects.get(lot_number="KB-101")
    page.get_by_label("Lot", exact=True).select_option(str(lot.public_id))
    page.get_by_label("Second clinician", exact=True).select_option(nurse.email)
    page.get_by_label("Second clinician's password").fill(PASSWORD)
    page.get_by_label("Start (infusion or injection)").fill(local(130))
    page.get_by_label("End of infusion").fill(local(90))
    page.get_by_role("button", name="Record dose").click()
    expect(page.locator("#dose-line")).to_contain_text("35.00 mg ketamine intravenous, lot KB-101")
    next_step(page, "Start monitoring", "Monitoring")

    enter_vitals(page, 205, 100, 110)
    alert = page.locator("#session-alerts [data-rule=bp_above_200_120]")
    expect(alert).to_contain_text("URGENT")
    alert.get_by_label("Action taken").fill("Repeated BP, no symptoms, prescriber informed")
    alert.get_by_role("button", name="Acknowledge").click()
    expect(alert).to_contain_text("Acknowledged by Dr Director")
    acknowledge(page, "bp_at_or_above_180_110_once", "Rechecked in 5 min, no symptoms")
    enter_vitals(page, 150, 88, 60, **{"MOAA/S (0-5)": 4, "SpO2 (%)": 97, HR: 76})
    enter_vitals(page, 128, 80, 1, **{"MOAA/S (0-5)": 5, "SpO2 (%)": 98, HR: 74})

    page.reload()
    page.get_by_label("Escort present").check()
    next_step(page, "Mark ready for discharge", "Ready for discharge")
    page.get_by_label("Escort's name").fill("Sam Quill")
    page.get_by_label("No driving or operating machinery").check()
    page.get_by_label("No alcohol or cannabis for 24 hours").check()
    page.get_by_label("I confirm the patient is discharged").check()
    next_step(page, "Discharge", "Discharged")

    page.get_by_role("textbox", name="Clinical note").fill(
        "Transient hypertension, settled without treatment."
    )
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign note…").click()
    expect(page.locator("#session-state")).to_have_text("Signed")
    expect(page.locator("#note-text")).to_have_text(
        "Transient hypertension, settled without treatment."
    )

    page.get_by_text("Amend or mark an entry as entered in error").click()
    page.get_by_label("Amendment text").fill("Called next day: well at home.")
    page.get_by_label("Reason", exact=True).fill("follow-up call")
    page.get_by_role("button", name="Save amendment").click()
    expect(page.locator("#note-history")).to_contain_text("Called next day: well at home.")
