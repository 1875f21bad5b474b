"""A patient opens a self-report link on a phone, answers the PHQ-9 with a positive item 9,
sees crisis resources at once, and the clinic gets an alert; the link then stops working."""

import re

import pytest
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.outcomes.models import SafetyAlert
from ketamine_care.portal.services import create_link
from ketamine_care.testing.builders import make_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def link_url():
    clinic = Clinic.objects.create(name="Portal Clinic")
    nurse = User.objects.create_user("nurse@portal.clinic", "a long password 123", full_name="N")
    Membership.objects.create(user=nurse, clinic=clinic, role=Role.NURSE)
    patient = make_patient(clinic=clinic, actor=nurse, given_name="Robin", family_name="Hale")
    _, token = create_link(patient=patient, actor=nurse, instrument_codes=["phq9"])
    return f"/self-report/{token}/"


def test_self_report_link_from_opening_to_the_crisis_page(page, link_url):
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(link_url)
    expect(page.get_by_role("heading", name="Hello Robin")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Hale")
    for number in range(1, 9):
        group = page.get_by_role("group", name=re.compile(rf"^{number}\. "))
        group.get_by_label("0 · Not at all").check()
    page.get_by_role("group", name=re.compile(r"^9\. ")).get_by_label("1 · Several days").check()
    page.get_by_role("button", name="Send my answers").click()

    crisis = page.get_by_role("alert")
    expect(crisis).to_contain_text("988 Suicide & Crisis Lifeline")
    expect(crisis).to_contain_text("911")
    expect(page.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    alert = SafetyAlert.objects.get()
    assert (alert.rule_id, alert.status) == ("phq9_item9_positive", "open")

    page.goto(link_url)
    expect(page.get_by_role("heading", name="This link cannot be used")).to_be_visible()
