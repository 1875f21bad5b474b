"""A prescriber asks for the REMS CSV: the export's page says it is being prepared, turns to
*Ready* by itself once the worker has made the file, and the download link gives the CSV
(issue 12 item 4)."""

import re

import pytest
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.testing.jobs import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long browser test password"


@pytest.fixture
def prescriber():
    clinic = Clinic.objects.create(name="Export Clinic")
    user = User.objects.create_user("rx@export.clinic", PASSWORD, full_name="Rae Prescriber")
    Membership.objects.create(user=user, clinic=clinic, role=Role.PRESCRIBER)
    return user


def test_the_export_page_turns_ready_and_offers_the_download(page, sign_in, prescriber):
    sign_in(prescriber.email, PASSWORD)
    page.goto("/sessions/rems/")
    page.get_by_label("Start").fill("2026-01-01")
    page.get_by_label("End").fill("2026-12-31")
    page.get_by_role("button", name="Export CSV").click()
    expect(page).to_have_url(re.compile(r"/accounts/exports/[0-9a-f-]+/$"))
    state = page.locator("#export-state")
    expect(state).to_have_attribute("data-state", "preparing")
    expect(page.get_by_role("heading", name="Being prepared")).to_be_visible()

    run_worker()
    expect(state).to_have_attribute("data-state", "ready")  # the page polls; no reload
    link = page.get_by_role("link", name="Download rems-2026-01-01-2026-12-31.csv")
    with page.expect_download() as download:
        link.click()
    body = open(download.value.path(), encoding="utf-8").read()
    assert body.startswith("session,mrn,session_date,due_date,submitted_at,method")
