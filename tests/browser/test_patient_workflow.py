"""Sign in, register a patient, find them, open the chart, record a weight in pounds and see
it in kilograms, then find the change in the audit trail."""

import re

import pytest
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long browser test password"


@pytest.fixture
def director():
    clinic = Clinic.objects.create(name="Browser Clinic")
    user = User.objects.create_user("director@browser.clinic", PASSWORD, full_name="Dr Director")
    Membership.objects.create(user=user, clinic=clinic, role=Role.MEDICAL_DIRECTOR)
    return user


def test_register_find_chart_weigh_in_pounds_and_audit(page, sign_in, director):
    sign_in(director.email, PASSWORD)
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()

    page.get_by_role("link", name="Register a patient").click()
    page.get_by_label("Given name").fill("Harriet")
    page.get_by_label("Family name").fill("Quimby")
    page.get_by_label("MRN").fill("BR-2001")
    page.get_by_label("Date of birth").fill("1975-05-01")
    page.get_by_label("Sex").select_option("female")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Quimby, Harriet")).to_be_visible()

    page.get_by_role("link", name="Patients").click()
    page.get_by_label("Search by name, MRN or date of birth").press_sequentially("quim")
    results = page.locator("#patient-results")
    expect(results.get_by_role("link", name="Quimby, Harriet")).to_be_visible()
    page.get_by_label("Search by name, MRN or date of birth").fill("nobody-like-this")
    expect(results).to_contain_text("No patient matches")
    page.get_by_label("Search by name, MRN or date of birth").fill("BR-20")
    results.get_by_role("link", name="Quimby, Harriet").click()

    expect(page.get_by_role("heading", name="Quimby, Harriet")).to_be_visible()
    page.get_by_text("Record weight or height").click()
    page.get_by_label("lb and in").check()
    page.get_by_label(re.compile("^Weight")).fill("165")
    page.get_by_role("button", name="Save measurement").click()
    expect(page.locator("#current-weight")).to_have_text("74.84 kg")

    page.get_by_role("link", name="Audit trail").click()
    page.get_by_label("Patient MRN").fill("BR-2001")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("#audit-results")
    expect(rows).to_contain_text("Height and weight recorded")
    expect(rows).to_contain_text("Patient registered")
    expect(rows).to_contain_text("Chart viewed")
    expect(rows).not_to_contain_text("patient.viewed")


def test_wrong_password_shows_an_error_and_keeps_the_user_out(page, director):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(director.email)
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not correct")
    page.goto("/patients/")
    expect(page).to_have_url(re.compile("/accounts/login/"))
