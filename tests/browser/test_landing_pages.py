"""A clinic admin, a researcher and the front desk each sign in and land on a page that works
for their role (issue 11 item 10), with no broken link on it."""

import re

import pytest
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long browser test password"


@pytest.fixture
def staff():
    clinic = Clinic.objects.create(name="Landing Clinic")
    users = {}
    for role, name in (
        (Role.CLINIC_ADMIN, "Ada Admin"),
        (Role.RESEARCHER, "Rosa Research"),
        (Role.FRONT_DESK, "Frank Desk"),
        (Role.NURSE, "Nora Nurse"),
    ):
        user = User.objects.create_user(f"{role.value}@landing.clinic", PASSWORD, full_name=name)
        Membership.objects.create(user=user, clinic=clinic, role=role)
        users[role] = user
    return users


def _links_work(page) -> None:
    """Every link of the main content answers without an error page."""
    hrefs = page.locator("main a[href^='/']").evaluate_all("(links) => links.map(a => a.href)")
    for href in sorted(set(hrefs)):
        response = page.request.get(href)
        assert response.status < 400, (href, response.status)


def test_a_clinic_admin_and_a_researcher_land_on_a_working_page(page, sign_in, staff):
    sign_in(staff[Role.CLINIC_ADMIN].email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/administration/$"))
    expect(page.get_by_role("heading", name="Administration · Landing Clinic")).to_be_visible()
    users = page.locator("#members")
    expect(users).to_contain_text("Nora Nurse")
    expect(users).to_contain_text("Researcher")
    expect(page.locator("#roles")).to_contain_text("Users and roles")
    expect(page.get_by_role("link", name="Administration")).to_have_attribute(
        "aria-current", "page"
    )
    _links_work(page)
    # A page outside the role says where to go instead of "ask your clinic admin".
    page.goto("/patients/")
    expect(page.get_by_role("heading", name="This is not part of your role")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("ask your clinic admin")
    page.get_by_role("link", name="Go to administration").click()
    expect(page).to_have_url(re.compile(r"/accounts/administration/$"))
    page.get_by_role("button", name="Sign out").click()

    sign_in(staff[Role.RESEARCHER].email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/research/$"))
    expect(page.get_by_role("heading", name="Cohort research")).to_be_visible()
    expect(page.locator("main")).to_contain_text("de-identified")
    _links_work(page)
    page.get_by_role("link", name="ketamine-care").click()  # the brand leads home again
    expect(page).to_have_url(re.compile(r"/research/$"))


def test_the_front_desk_lands_on_todays_arrivals(page, sign_in, staff):
    sign_in(staff[Role.FRONT_DESK].email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/sessions/check-in/$"))
    expect(page.get_by_role("heading", name=re.compile(r"^Check-in"))).to_be_visible()
    _links_work(page)
