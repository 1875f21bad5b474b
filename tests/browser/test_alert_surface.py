"""One alert surface and the triage floor in the browser: an urgent BP alert reaches the
navigation badge, Safety alerts and the top of the session; the floor puts the alerting chair
first and fits a tablet. Screenshots of both pages at desktop and tablet widths are saved
under test-output/screenshots/ (git ignores it; TEST_OUTPUT_DIR moves it)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.measures import phq9, record
from ketamine_care.treatment_sessions import services
from ketamine_care.treatment_sessions.tests.factories import activate, ago, dosing_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long browser test password"
DESKTOP, TABLET = 1366, 768
SCREENSHOTS = (
    Path(os.environ.get("TEST_OUTPUT_DIR", Path(__file__).resolve().parents[2] / "test-output"))
    / "screenshots"
)


def screenshot(page, name: str, width: int) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    page.reload()
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)


def fits(page, width: int) -> None:
    """No horizontal scrolling at `width`."""
    page.set_viewport_size({"width": width, "height": 900})
    page.reload()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} is {scroll_width} px wide at {width} px"


@pytest.fixture
def floor():
    """Three chairs dosed an hour ago: Chair 1 calm, Chair 2 whose patient has a high-risk
    questionnaire alert, Chair 3 where the urgent BP will be entered."""
    clinic = Clinic.objects.create(name="Floor Clinic")
    director = User.objects.create_user("md@floor.clinic", PASSWORD, full_name="Dr Director")
    Membership.objects.create(user=director, clinic=clinic, role=Role.MEDICAL_DIRECTOR)
    nurse = User.objects.create_user("nurse@floor.clinic", PASSWORD, full_name="Nora Nurse")
    Membership.objects.create(user=nurse, clinic=clinic, role=Role.NURSE)
    version = activate(clinic, director)
    sessions = {}
    for number, name in ((1, "Calm"), (2, "Flagged"), (3, "Surge")):
        patient = make_patient(clinic=clinic, actor=director, family_name=name, mrn=f"F-{number}")
        sessions[name] = dosing_session(
            patient,
            version,
            nurse,
            director,
            started_min_ago=60,
            chair_label=f"Chair {number}",
            password=PASSWORD,
        )
        reading = {"measured_at": ago(4), "bp_systolic_mmhg": 128, "bp_diastolic_mmhg": 80}
        services.record_vitals(session=sessions[name], actor=nurse, readings=[reading])
    record(sessions["Flagged"].patient, nurse, "phq9", phq9(8, item9=1), days_ago=1)
    return nurse, sessions


def test_an_urgent_alert_appears_in_the_nav_badge_on_safety_alerts_and_atop_the_session(
    page, sign_in, floor
):
    nurse, sessions = floor
    sign_in(nurse.email, PASSWORD)
    badge = page.locator("#alert-badge")
    expect(badge).to_have_text(re.compile(r"open: 1$"))  # the questionnaire alert only
    expect(badge).not_to_have_class("nav-badge urgent")

    page.goto(f"/sessions/{sessions['Surge'].public_id}/")
    page.get_by_label("Systolic (mmHg)").fill("206")
    page.get_by_label("Diastolic (mmHg)").fill("100")
    page.get_by_role("button", name="Save vitals").click()
    expect(page.locator("#session-alerts")).to_contain_text("200/120")

    page.reload()
    banner = page.locator("#main > #alert-banner .alert-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Urgent")
    expect(banner).to_contain_text("BP at or above 200/120 mmHg after dosing")
    # The banner is the first thing in the page, above the patient's name.
    first = page.evaluate("document.querySelector('#main').firstElementChild.id")
    assert first == "alert-banner"
    expect(page.locator("#alert-badge")).to_have_class("nav-badge urgent")
    screenshot(page, "session-alert-banner", DESKTOP)

    page.locator("#alert-badge").click()
    expect(page).to_have_url(re.compile(r"/alerts/$"))
    expect(page.get_by_role("heading", name="Safety alerts", exact=True)).to_be_visible()
    rows = page.locator("#alert-results > li")
    expect(rows.first).to_contain_text("Urgent")
    expect(rows.first).to_contain_text("Surge")
    expect(rows.first).to_contain_text("200/120")
    expect(page.locator("#alert-results")).to_contain_text("PHQ-9 item 9")
    rows.first.get_by_role("link", name="Acknowledge on the session…").click()
    expect(page.locator("#session-alerts")).to_be_visible()
    for width in (DESKTOP, TABLET):
        page.goto("/alerts/")
        screenshot(page, "alerts", width)
    fits(page, TABLET)


def test_the_floor_sorts_the_alerting_chair_first(page, sign_in, floor):
    nurse, sessions = floor
    severe = {"measured_at": ago(1), "bp_systolic_mmhg": 206, "bp_diastolic_mmhg": 100}
    services.record_vitals(session=sessions["Surge"], actor=nurse, readings=[severe])
    sign_in(nurse.email, PASSWORD)
    page.goto("/sessions/")
    rows = page.locator("#chairs tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Chair 3")
    expect(rows.nth(0)).to_contain_text("Urgent alert")
    expect(rows.nth(0)).to_have_class("triage triage-urgent")
    expect(rows.nth(1)).to_contain_text("Flagged")
    expect(rows.nth(1)).to_contain_text("High-risk patient alert")
    expect(rows.nth(2)).to_contain_text("Chair 1")
    expect(rows.nth(2)).to_contain_text("No open alerts")
    # The row's colour says the same as its words.
    colour = rows.nth(0).evaluate("row => getComputedStyle(row).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)"), colour
    fits(page, TABLET)
    for width in (DESKTOP, TABLET):
        screenshot(page, "floor", width)
