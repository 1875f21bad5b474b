"""Registering a patient: the first field has the focus, the MRN is suggested, no sex is
chosen for the user, a refused form puts the focus on the first field in error, and a
near-duplicate (same name and date of birth) is pointed out before it is registered."""

import re

import pytest
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.testing.builders import make_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long browser test password"


@pytest.fixture
def desk():
    clinic = Clinic.objects.create(name="Desk Clinic")
    user = User.objects.create_user("desk@desk.clinic", PASSWORD, full_name="Dee Desk")
    Membership.objects.create(user=user, clinic=clinic, role=Role.FRONT_DESK)
    existing = make_patient(clinic=clinic, actor=user, mrn="DC-0041", given_name="Harriet",
                            family_name="Quimby")  # fmt: skip
    return {"user": user, "existing": existing}


def test_registration_focus_suggestion_and_near_duplicate(page, sign_in, desk):
    sign_in(desk["user"].email, PASSWORD)
    page.goto("/patients/new/")
    expect(page.get_by_label("Given name")).to_be_focused()
    expect(page.get_by_label("MRN")).to_have_value("DC-0042")
    expect(page.get_by_label("Sex")).to_have_value("")
    expect(page.locator("label[for=id_sex]")).to_contain_text("(required)")

    page.get_by_label("Given name").fill("Harriet")
    page.get_by_label("Family name").fill("Quimby")
    page.get_by_label("Date of birth").fill("1985-04-12")
    page.get_by_label("Phone").fill("call me")
    page.get_by_role("button", name="Register").click()
    # Sex and phone are refused; the focus lands on the first of them.
    expect(page.get_by_label("Sex")).to_be_focused()
    expect(page.locator("main")).to_contain_text("7 to 15 digits")

    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Phone").fill("+1 555 010 0199")
    page.get_by_role("button", name="Register").click()
    expect(page.locator("#form-problem")).to_contain_text("already registered")
    duplicate = page.locator("#near-duplicates").get_by_role("link", name="Quimby, Harriet")
    expect(duplicate).to_have_attribute("href", f"/patients/{desk['existing'].public_id}/")

    page.get_by_label("This is a different person: register anyway").check()
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Quimby, Harriet")).to_be_visible()
    expect(page).not_to_have_url(re.compile(str(desk["existing"].public_id)))
