"""A planned visit becomes a session in the browser: the day list offers to check in today's
visit, the session it makes keeps the link to the visit, and the plan calendar offers to
schedule a later visit without asking why it is outside a plan."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.dosing.models import PlannedVisit
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.treatment import activate_trd, treatable_plan
from ketamine_care.treatment_sessions.models import TreatmentSession
from tests.browser.screenshots import save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long browser test password"


@pytest.fixture
def planned():
    clinic = Clinic.objects.create(name="Visit Clinic")
    director = User.objects.create_user("md@visit.clinic", PASSWORD, full_name="Dr Director")
    Membership.objects.create(user=director, clinic=clinic, role=Role.MEDICAL_DIRECTOR)
    nurse = User.objects.create_user("nurse@visit.clinic", PASSWORD, full_name="Nora Nurse")
    Membership.objects.create(user=nurse, clinic=clinic, role=Role.NURSE)
    patient = make_patient(clinic=clinic, actor=director, family_name="Vale", mrn="V-1")
    version = activate_trd(clinic=clinic, director=director)
    plan = treatable_plan(patient=patient, version=version, prescriber=director)
    visits = list(plan.visits.order_by("number"))
    today = timezone.localdate()
    PlannedVisit.objects.filter(pk=visits[0].pk).update(date=today - timedelta(days=1))
    PlannedVisit.objects.filter(pk=visits[1].pk).update(date=today)
    return nurse, plan, visits


def test_a_planned_visit_becomes_a_session(page, sign_in, planned):
    nurse, plan, visits = planned
    today_visit, later_visit = visits[1], visits[2]
    sign_in(nurse.email, PASSWORD)

    page.goto("/plans/day/")
    row = page.locator("#day-visits tbody tr", has_text="Vale")
    expect(row).to_contain_text("Not scheduled yet")
    save(page, "day-list")
    row.get_by_label("Chair").fill("Chair 3")
    row.get_by_role("button", name="Check in").click()
    expect(page.locator("#session-state")).to_have_text("Checked in")
    session = TreatmentSession.objects.get(planned_visit_id=today_visit.pk)
    assert (session.chair_label, session.ad_hoc_reason) == ("Chair 3", "")

    page.goto("/plans/day/")
    expect(row).to_contain_text("In clinic: checked in")
    expect(row.get_by_role("link", name="Open session")).to_be_visible()

    # Yesterday's visit was missed; a later one is scheduled from the calendar.
    page.goto(f"/patients/{plan.patient.public_id}/plans/{plan.public_id}/")
    expect(page.locator("#plan-calendar td.today")).to_have_count(1)
    expect(page.locator("#plan-visits")).to_contain_text("Missed (no-show)")
    save(page, "plan-calendar")
    later = page.locator("#plan-visits tbody tr").nth(2)
    later.get_by_role("link", name="Schedule…").click()
    expect(page.locator("#schedule-visit")).to_contain_text(f"planned visit {later_visit.number}")
    expect(page.get_by_label("Patient MRN")).to_have_value("V-1")
    expect(page.locator("textarea[name=ad_hoc_reason]")).to_have_count(0)
    page.get_by_role("button", name="Schedule").click()
    expect(page.locator("#session-state")).to_have_text("Scheduled")
    assert TreatmentSession.objects.filter(planned_visit_id=later_visit.pk).count() == 1
