"""A long history of ratings on the chart: each instrument shows its newest page, plotted and
listed newest first, with labelled links to older and newer ratings; the outcome summary above
still uses the whole history."""

import re

import pytest
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.outcomes.queries import RATINGS_PAGE_SIZE
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.measures import phq9, record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long browser test password"
RATINGS = RATINGS_PAGE_SIZE + 3


@pytest.fixture
def rated():
    clinic = Clinic.objects.create(name="Ratings Clinic")
    nurse = User.objects.create_user("rn@ratings.clinic", PASSWORD, full_name="Nell Nurse")
    Membership.objects.create(user=nurse, clinic=clinic, role=Role.NURSE)
    patient = make_patient(clinic=clinic, actor=nurse, given_name="Robin", family_name="Rated")
    for week in range(RATINGS):
        record(patient, nurse, "phq9", phq9(20 if week == 0 else 6), days_ago=7 * (RATINGS - week),
               time_point="baseline" if week == 0 else "follow_up")  # fmt: skip
    return {"nurse": nurse, "patient": patient}


def test_the_ratings_page_older_and_back(page, sign_in, rated):
    sign_in(rated["nurse"].email, PASSWORD)
    page.goto(f"/patients/{rated['patient'].public_id}/")
    figure = page.locator("#trajectory-phq9")
    pager = figure.get_by_role("navigation", name="PHQ-9 rating pages")
    expect(pager).to_contain_text(f"Ratings 1–{RATINGS_PAGE_SIZE} of {RATINGS}")
    expect(figure.locator("circle.point")).to_have_count(RATINGS_PAGE_SIZE)
    expect(page.locator("#outcomes-table")).to_contain_text("−70 %")  # 20 -> 6, whole history

    pager.get_by_role("link", name="Older PHQ-9 ratings").click()
    expect(page).to_have_url(re.compile(r"\?ratings_phq9=2#trajectory-phq9$"))
    figure.locator("summary").click()
    expect(figure.locator("tbody tr")).to_have_count(RATINGS - RATINGS_PAGE_SIZE)
    expect(figure.locator("tbody tr").last).to_contain_text("Baseline")
    expect(page.locator("#outcomes-table")).to_contain_text("−70 %")

    pager.get_by_role("link", name="Newer PHQ-9 ratings").click()
    expect(pager).to_contain_text(f"Ratings 1–{RATINGS_PAGE_SIZE} of {RATINGS}")
