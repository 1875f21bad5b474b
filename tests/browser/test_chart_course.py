"""The chart shows the course: allergies in the header (recorded with one button), today's
session linked on top, the history of sessions with dose, peak BP, alerts, adverse events and
signer, and the screening verdict's every criterion. Screenshots of the chart at 1366 and
768 px go to test-output/screenshots/ (ignored by git)."""

import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.testing.builders import make_patient
from ketamine_care.treatment_sessions import services
from ketamine_care.treatment_sessions.tests.factories import (
    activate,
    ago,
    dosing_session,
    screened_session,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long browser test password"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


def _user(clinic, email, role, name):
    user = User.objects.create_user(email, PASSWORD, full_name=name)
    Membership.objects.create(user=user, clinic=clinic, role=role)
    return user


@pytest.fixture
def course():
    clinic = Clinic.objects.create(name="Course Clinic")
    director = _user(clinic, "md@course.clinic", Role.MEDICAL_DIRECTOR, "Dr Dana Director")
    prescriber = _user(clinic, "rx@course.clinic", Role.PRESCRIBER, "Dr Pat Prescriber")
    nurse = _user(clinic, "rn@course.clinic", Role.NURSE, "Nell Nurse")
    version = activate(clinic, director)
    patient = make_patient(clinic=clinic, actor=prescriber, given_name="Casey",
                           family_name="Course")  # fmt: skip
    signed = dosing_session(patient, version, nurse, prescriber, password=PASSWORD,
                            scheduled_for=timezone.now() - timezone.timedelta(days=7))  # fmt: skip
    services.record_vitals(
        session=signed,
        actor=nurse,
        readings=[
            {"measured_at": ago(45), "bp_systolic_mmhg": 152, "bp_diastolic_mmhg": 88,
             "heart_rate_bpm": 76},
            {"measured_at": ago(30), "bp_systolic_mmhg": 124, "bp_diastolic_mmhg": 78,
             "moaas": 5, "spo2_percent": 98, "heart_rate_bpm": 72},
        ],
    )  # fmt: skip
    services.record_adverse_event(
        session=signed, actor=nurse, event_type="nausea", severity="mild",
        action_taken="Ondansetron given", outcome="resolved",
    )  # fmt: skip
    services.mark_ready_for_discharge(session=signed, actor=nurse, escort_present=True)
    services.discharge(session=signed, actor=nurse)
    services.sign_session(session=signed, actor=prescriber, note_text="Tolerated well.")
    today = screened_session(patient, version, prescriber, chair_label="Chair 2")
    return {"nurse": nurse, "patient": patient, "today": today, "signed": signed}


def test_the_chart_shows_the_course_and_allergies_in_the_header(page, sign_in, course):
    sign_in(course["nurse"].email, PASSWORD)
    page.goto(f"/patients/{course['patient'].public_id}/")
    header = page.locator("#header-allergies")
    expect(header).to_have_text("Allergies not recorded")
    page.get_by_role("button", name="Record no known drug allergies").click()
    expect(header).to_have_text("No known drug allergies")  # the header follows the section
    expect(page.locator("#nkda")).to_contain_text("Nell Nurse")

    history = page.locator("#session-history")
    signed_row = history.locator("tbody tr", has_text="Dr Pat Prescriber")
    expect(signed_row).to_contain_text("152/88")
    expect(signed_row).to_contain_text("Dr Pat Prescriber")
    expect(signed_row.locator("td").nth(4)).to_have_text("1")  # one adverse event
    expect(history.locator("tbody tr")).to_have_count(2)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1366, 768):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=SCREENSHOTS / f"chart-{width}.png", full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the chart scrolls sideways by {overflow} px at {width} px"
        clipped = history.evaluate("(t) => t.scrollWidth - t.parentElement.clientWidth")
        assert clipped <= 0, f"the session history is cut by {clipped} px at {width} px"

    page.get_by_role("link", name="Open today's session").click()
    expect(page).to_have_url(re.compile(rf"/sessions/{course['today'].public_id}/$"))

    page.go_back()
    page.locator("#verdicts a").first.click()
    criteria = page.locator("#criteria-checked")
    expect(criteria).to_contain_text("Does not apply")
    expect(page.locator("#facts-used")).to_contain_text("Systolic blood pressure")
