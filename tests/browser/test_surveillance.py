"""A nurse sees a bladder review due on a maintenance patient's chart, records it from the
chart with blood in the urine, and sees the urgent alert with its urology pathway on the
chart and in the navigation badge. A screenshot of the chart is kept under test-output/."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.treatment import activate_trd
from ketamine_care.treatment_sessions.models import TreatmentSession
from tests.browser.screenshots import save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long browser test password"


@pytest.fixture
def maintenance_patient():
    clinic = Clinic.objects.create(name="Surveillance Clinic")
    director = User.objects.create_user("md@surv.clinic", PASSWORD, full_name="Dr Director")
    Membership.objects.create(user=director, clinic=clinic, role=Role.MEDICAL_DIRECTOR)
    nurse = User.objects.create_user("nurse@surv.clinic", PASSWORD, full_name="Nora Nurse")
    Membership.objects.create(user=nurse, clinic=clinic, role=Role.NURSE)
    version = activate_trd(clinic=clinic, director=director)
    patient = make_patient(clinic=clinic, actor=director, family_name="Maintained", mrn="S-1")
    for days in (10, 3):
        when = timezone.now() - timedelta(days=days)
        TreatmentSession.objects.create(
            clinic=clinic,
            patient=patient,
            protocol_version=version,
            protocol_id="iv-ketamine-trd",
            drug="ketamine",
            route="iv",
            ad_hoc_reason="maintenance history",
            scheduled_for=when,
            dose_started_at=when,
            created_by=nurse,
        )
    return nurse, patient


def test_a_nurse_records_a_due_bladder_review_with_haematuria_and_sees_the_pathway(
    page, sign_in, maintenance_patient
):
    nurse, patient = maintenance_patient
    sign_in(nurse.email, PASSWORD)
    page.goto(f"/patients/{patient.public_id}/")
    due = page.locator("#surveillance-due tr[data-key='bladder_review']")
    expect(due).to_contain_text("Bladder-symptom review")
    expect(due).to_contain_text("Due")
    due.get_by_role("link", name="Record bladder-symptom review").click()

    expect(page.get_by_role("heading", name="Bladder-symptom review")).to_be_visible()
    page.get_by_label("ICSI: Urgency").fill("1")
    page.get_by_label("ICSI: Frequency").fill("1")
    page.get_by_label("ICSI: Nocturia").fill("0")
    page.get_by_label("ICSI: Pain or burning").fill("0")
    page.get_by_label("Blood in the urine since the last review").select_option("yes")
    page.get_by_role("button", name="Record bladder-symptom review").click()

    expect(page).to_have_url(re.compile(rf"/patients/{patient.public_id}/"))
    alert = page.locator("#surveillance-alerts li[data-rule='haematuria']")
    expect(alert).to_contain_text("Blood in the urine reported")
    expect(alert).to_contain_text("Pathway: Urology referral")
    expect(page.locator("#surveillance-due tr[data-key='bladder_review']")).to_have_count(0)
    expect(page.locator("#surveillance-checks")).to_contain_text("blood in the urine: yes")
    expect(page.locator("#alert-badge")).to_have_text(re.compile(r"1"))
    save(page, "surveillance-chart-haematuria")
