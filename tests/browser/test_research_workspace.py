"""A nurse records a patient's research consent on the chart; the researcher signs in, lands
on the cohort workspace and opens a project: de-identified counts, no patient anywhere."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.patients.services import record_research_consent
from ketamine_care.research.services import create_project
from ketamine_care.testing.builders import make_patient
from tests.browser.screenshots import save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long browser test password"


@pytest.fixture
def research_clinic():
    clinic = Clinic.objects.create(name="Research Clinic")
    users = {}
    for role, name in (
        (Role.RESEARCHER, "Rosa Research"),
        (Role.NURSE, "Nora Nurse"),
        (Role.MEDICAL_DIRECTOR, "Mona Director"),
    ):
        user = User.objects.create_user(f"{role.value}@research.clinic", PASSWORD, full_name=name)
        Membership.objects.create(user=user, clinic=clinic, role=role)
        users[role] = user
    patients = [
        make_patient(
            clinic=clinic,
            actor=users[Role.NURSE],
            given_name="Quillon",
            family_name=f"Vantablack{n}",
            mrn=f"RC-{n:03d}",
            date_of_birth=date(1950 - 40 * (n == 0), 6, 1),
            sex="female" if n % 2 else "male",
        )
        for n in range(12)
    ]
    for patient in patients[1:]:
        record_research_consent(
            patient=patient, actor=users[Role.NURSE], status="given", consent_text_version="1"
        )
    create_project(
        clinic=clinic,
        actor=users[Role.MEDICAL_DIRECTOR],
        name="Relapse after induction",
        description="Time to relapse by protocol.",
    )
    return {"users": users, "patients": patients}


def test_consent_on_the_chart_then_the_researchers_workspace(page, sign_in, research_clinic):
    users, patients = research_clinic["users"], research_clinic["patients"]
    sign_in(users[Role.NURSE].email, PASSWORD)
    page.goto(f"/patients/{patients[0].public_id}/")
    panel = page.locator("#section-research-consent")
    expect(panel).to_contain_text("Not recorded")
    panel.get_by_label("Given: the patient agrees").check()
    panel.get_by_label("Version of the consent text").fill("1")
    panel.get_by_role("button", name="Save research consent").click()
    expect(page).to_have_url(re.compile(r"#section-research-consent$"))
    expect(page.locator("#research-consent-state")).to_contain_text("Given")
    save(page.locator("#section-research-consent").page, "research-consent-chart")
    page.get_by_role("button", name="Sign out").click()

    sign_in(users[Role.RESEARCHER].email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/research/$"))
    expect(page.get_by_role("heading", name="Cohort research", exact=True)).to_be_visible()
    expect(page.locator("#research-projects")).to_contain_text("Relapse after induction")
    expect(page.locator("#research-projects")).to_contain_text("12")
    page.get_by_role("link", name="Relapse after induction").click()
    expect(page.locator("#cohort-total")).to_have_text("12")
    ages = page.locator("#cohort-age")
    expect(ages).to_contain_text("70-79")
    expect(ages).to_contain_text("90+")  # the patient born 1910, top-coded
    expect(ages).to_contain_text("fewer than 5")
    expect(page.locator("#cohort-sex")).to_contain_text("Female")
    expect(page.locator("#section-export")).to_be_visible()
    main = page.locator("main")
    for patient in patients:
        expect(main).not_to_contain_text(patient.family_name)
        expect(main).not_to_contain_text(patient.mrn)
    assert page.locator("main a[href*='/patients/']").count() == 0
    save(page, "research-project")
    page.goto(f"/patients/{patients[1].public_id}/")
    expect(page.get_by_role("heading", name="This is not part of your role")).to_be_visible()
    page.get_by_role("link", name="Go to cohort research").click()
    expect(page).to_have_url(re.compile(r"/research/$"))
    save(page, "research-workspace")
    page.get_by_role("button", name="Sign out").click()

    # The medical director's navigation is full on a laptop: research opens from the outcomes.
    sign_in(users[Role.MEDICAL_DIRECTOR].email, PASSWORD)
    page.set_viewport_size({"width": 1366, "height": 800})
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outcomes").click()
    page.get_by_role("link", name="Cohort research").click()
    expect(page.get_by_role("heading", name="Cohort research", exact=True)).to_be_visible()
    expect(page.locator("#research-projects")).to_contain_text("Relapse after induction")
    page.get_by_role("link", name="Clinic outcomes").click()
    expect(page.get_by_role("heading", name="Clinic outcomes")).to_be_visible()
