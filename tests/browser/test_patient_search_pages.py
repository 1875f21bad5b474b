"""Search as you type: one letter asks for more, a broad term pages with "Next patients"
and "First page" links, and the count is shown."""

import pytest
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.patients.tests.test_search_pages import add_patients

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long browser test password"


@pytest.fixture
def nurse():
    clinic = Clinic.objects.create(name="Search Browser Clinic")
    user = User.objects.create_user("nurse@search.clinic", PASSWORD, full_name="Nurse Search")
    Membership.objects.create(user=user, clinic=clinic, role=Role.NURSE)
    add_patients(clinic, [("Maria", f"Garcia{n:02d}", False) for n in range(30)], "G-")
    return user


def test_short_queries_ask_for_more_and_broad_ones_page(page, sign_in, nurse):
    sign_in(nurse.email, PASSWORD)
    page.goto("/patients/")
    search = page.get_by_label("Search by name, MRN or date of birth")
    results = page.locator("#patient-results")
    search.fill("g")
    expect(results).to_contain_text("Type at least 2 letters")
    search.fill("garc")
    expect(results).to_contain_text("30 patients")
    expect(results.get_by_role("link", name="Garcia00, Maria")).to_be_visible()
    results.get_by_role("link", name="Next patients").click()
    expect(results.get_by_role("link", name="Garcia25, Maria")).to_be_visible()
    expect(results.get_by_role("link", name="Garcia00, Maria")).to_have_count(0)
    expect(results.get_by_role("link", name="Next patients")).to_have_count(0)
    results.get_by_role("link", name="First page").click()
    expect(results.get_by_role("link", name="Garcia00, Maria")).to_be_visible()
