"""A prescriber accepts an extend-interval recommendation on the plan page and sees the plan's
rhythm change: the remaining visits move from weekly to every two weeks."""

import pytest
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.core.clock import clinic_today
from ketamine_care.demo.courses import course_for
from ketamine_care.demo.treatment import NO_CADSS
from ketamine_care.protocols.services import activate_protocol
from ketamine_care.testing.builders import make_patient
from tests.browser.screenshots import save, screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long browser test password"


@pytest.fixture
def remitter():
    clinic = Clinic.objects.create(name="Course Clinic")
    director = User.objects.create_user("md@course.clinic", PASSWORD, full_name="Dr Director")
    Membership.objects.create(user=director, clinic=clinic, role=Role.MEDICAL_DIRECTOR)
    prescriber = User.objects.create_user("rx@course.clinic", PASSWORD, full_name="Pat Prescriber")
    Membership.objects.create(user=prescriber, clinic=clinic, role=Role.PRESCRIBER)
    nurse = User.objects.create_user("nurse@course.clinic", PASSWORD, full_name="Nora Nurse")
    Membership.objects.create(user=nurse, clinic=clinic, role=Role.NURSE)
    version = activate_protocol(
        clinic=clinic, protocol_id="esketamine-trd-label", actor=director, clinic_values=NO_CADSS
    )
    patient = make_patient(clinic=clinic, actor=director, family_name="Steady", mrn="S-1")
    plan = course_for(
        patient, version, prescriber=prescriber, nurse=nurse, days=66, shape=[12, 10, 9, 8, 8, 7]
    )
    return prescriber, plan


def _future_gaps(plan) -> set[int]:
    today = clinic_today(plan.patient.clinic)
    days = list(
        plan.visits.filter(date__gt=today).order_by("number").values_list("date", flat=True)
    )
    return {(b - a).days for a, b in zip(days, days[1:], strict=False)}


def test_prescriber_accepts_extend_interval_and_sees_the_rhythm_change(page, sign_in, remitter):
    prescriber, plan = remitter
    assert _future_gaps(plan) == {7}
    sign_in(prescriber.email, PASSWORD)
    page.goto(f"/patients/{plan.patient.public_id}/plans/{plan.public_id}/")
    section = page.locator("#section-course-review")
    expect(section.locator("#course-state")).to_contain_text("Sustained remission")
    expect(section.locator("#course-action")).to_contain_text("Space the visits further apart")
    expect(section.locator("#course-action")).to_contain_text("every 14 days")
    section.get_by_text("Sources for this recommendation").click()
    expect(section.locator("details.sources")).to_contain_text("Spravato US prescribing")
    save(page, "course-review-before")

    section.get_by_role("button", name="Accept and re-space the remaining visits").click()
    expect(page.get_by_text("Accepted: Space the visits further apart.")).to_be_visible()
    expect(page.locator("#course-decisions")).to_contain_text("Accepted")
    expect(page.locator("#course-decisions")).to_contain_text("to every 14 days")
    expect(page.locator("#course-action")).to_contain_text("Continue the current schedule")
    expect(page.locator("#plan-visits")).to_contain_text("(planned ")  # moved visits
    save(page, "course-review-accepted")
    section.screenshot(path=str(screenshot_dir() / "course-review-section.png"))
    assert min(_future_gaps(plan)) >= 14
