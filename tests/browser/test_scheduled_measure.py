"""A scheduled PHQ-9 arrives by e-mail (the test outbox) the day before a visit, is answered
on a phone-sized screen, and shows as completed on the chart (issue 14 item 5)."""

import re
from datetime import time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.portal.models import MeasureSettings
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.jobs import run_worker
from ketamine_care.testing.measure_requests import consent
from ketamine_care.treatment_sessions.tests.factories import activate, screened_session
from tests.browser.screenshots import save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long browser test password"
LINK = re.compile(r"https?://[^/\s]+(/self-report/[^\s]+/)")


@pytest.fixture
def scheduled(settings, live_server):
    settings.SITE_URL = live_server.url
    clinic = Clinic.objects.create(name="Measures Clinic")
    director = User.objects.create_user("md@measures.clinic", PASSWORD, full_name="M D")
    Membership.objects.create(user=director, clinic=clinic, role=Role.MEDICAL_DIRECTOR)
    nurse = User.objects.create_user("nurse@measures.clinic", PASSWORD, full_name="N N")
    Membership.objects.create(user=nurse, clinic=clinic, role=Role.NURSE)
    patient = make_patient(
        clinic=clinic, actor=nurse, given_name="Robin", family_name="Hale", email="robin@x.org"
    )
    consent(patient, nurse)
    MeasureSettings.objects.create(
        clinic=clinic, quiet_start=time(0), quiet_end=time(0), instruments=["phq9"],
        updated_by=director,
    )  # fmt: skip
    version = activate(clinic, director)
    screened_session(patient, version, director, scheduled_for=timezone.now() + timedelta(hours=20))
    return patient


def test_a_scheduled_phq9_is_mailed_answered_on_a_phone_and_shown_on_the_chart(
    page, sign_in, scheduled, mailoutbox
):
    call_command("send-measures", stdout=open("/dev/null", "w"))  # noqa: SIM115
    run_worker()  # the e-mail is a background job
    [message] = [m for m in mailoutbox if "questionnaire" in m.subject]
    assert message.to == ["robin@x.org"]
    assert "Hale" not in message.body and "PHQ" not in message.body
    path = LINK.search(message.body).group(1)

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(path)
    expect(page.get_by_role("heading", name="Hello Robin")).to_be_visible()
    expect(page.locator("#upcoming-visits li")).to_have_count(1)
    phq9, screener = page.locator("section.questionnaire").all()
    for number in range(1, 10):
        answer = "1 · Several days" if number < 4 else "0 · Not at all"
        phq9.get_by_role("group", name=re.compile(rf"^{number}\. ")).get_by_label(answer).check()
    for group in screener.get_by_role("group").all():
        group.get_by_label(re.compile(r"No$")).check()
    save(page, "scheduled-measure-phone", width=390)
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="Thank you, Robin")).to_be_visible()

    # The visit instructions came by e-mail too: first name, time and link only.
    [visit] = [m for m in mailoutbox if m.subject == "Your next visit"]
    assert "ketamine" not in visit.body.lower()
    page.goto(LINK.search(visit.body).group(1))
    expect(page.get_by_role("heading", name="How to get ready for your visit")).to_be_visible()
    expect(page.locator("#instruction-list")).to_contain_text("Arrange for someone")
    save(page, "visit-instructions-phone", width=390)

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in("nurse@measures.clinic", PASSWORD)
    page.goto(f"/patients/{scheduled.public_id}/")
    row = page.locator("#measure-requests tbody tr").first
    expect(row).to_contain_text("Before a visit")
    expect(row).to_contain_text("Completed")
    save(page, "scheduled-measure-chart")
    page.get_by_role("link", name="Outstanding measures").click()
    expect(page.get_by_role("heading", name="Outstanding measures")).to_be_visible()
    expect(page.locator("#no-outstanding")).to_have_text("No outstanding measures.")
