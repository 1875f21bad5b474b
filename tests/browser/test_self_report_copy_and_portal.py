"""A nurse creates a self-report link and copies it with the Copy button; the chart lists it
as outstanding. The patient, opening it on a phone, sees the clinic's name and the progress,
and sending with a question left empty scrolls to that question, outlines it and says what
is missing in plain words (issue 11 item 12)."""

import re

import pytest
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.portal.services import create_link
from ketamine_care.testing.builders import make_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long browser test password"


@pytest.fixture
def setting():
    clinic = Clinic.objects.create(name="Harbour Ketamine Clinic")
    nurse = User.objects.create_user("nurse@harbour.clinic", PASSWORD, full_name="Nell Nurse")
    Membership.objects.create(user=nurse, clinic=clinic, role=Role.NURSE)
    patient = make_patient(clinic=clinic, actor=nurse, given_name="Robin", family_name="Hale")
    return {"nurse": nurse, "patient": patient}


def test_the_copy_button_copies_the_link_and_the_chart_lists_it(page, sign_in, setting):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(setting["nurse"].email, PASSWORD)
    patient = setting["patient"]
    page.goto(f"/self-report/new/{patient.public_id}/")
    page.get_by_label("Patient Health Questionnaire-9 (PHQ-9)").check()
    page.get_by_role("button", name="Create link").click()
    link = page.get_by_label("Link").input_value()
    assert re.search(r"/self-report/[^/]+/$", link)

    # The button's script is deferred: it listens once the page has been parsed, and a click
    # in between (a loaded machine) would go unheard.
    page.wait_for_load_state("domcontentloaded")
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("status")).to_have_text("Link copied.")
    assert page.evaluate("navigator.clipboard.readText()") == link

    page.get_by_role("link", name=re.compile("Chart of Robin Hale")).click()
    links = page.locator("#self-report-links")
    expect(links).to_contain_text("Patient Health Questionnaire-9 (PHQ-9)")
    expect(links).to_contain_text("Outstanding")
    expect(page.locator("#self-report-counts")).to_contain_text("1 outstanding, 0 completed")


def test_the_portal_scrolls_to_an_unanswered_question(page, setting):
    _, token = create_link(
        patient=setting["patient"], actor=setting["nurse"], instrument_codes=["phq9"]
    )
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(f"/self-report/{token}/")
    expect(page.locator("#portal-clinic")).to_have_text("Harbour Ketamine Clinic")
    progress = page.locator("#progress-text")
    expect(progress).to_have_text("0 of 9 questions answered")
    for number in (1, 2, 4, 5, 6, 7, 8, 9):
        group = page.get_by_role("group", name=re.compile(rf"^{number}\. "))
        group.get_by_label("0 · Not at all").check()
    expect(progress).to_have_text("8 of 9 questions answered")

    page.get_by_role("button", name="Send my answers").click()
    expect(page).to_have_url(re.compile(rf"/self-report/{re.escape(token)}/$"))
    third = page.locator(".question", has=page.get_by_role("group", name=re.compile(r"^3\. ")))
    expect(third).to_have_class(re.compile(r"\bunanswered\b"))
    expect(third).to_contain_text("Please choose an answer to this question.")
    expect(third).to_be_in_viewport()
    expect(page.locator("#portal-unanswered")).to_have_text(
        "Question 3 still needs an answer. It is marked below."
    )
    outline = third.evaluate("(el) => getComputedStyle(el).outlineStyle")
    assert outline == "solid"
    expect(page.locator("body")).not_to_contain_text("phq9")

    third.get_by_label("0 · Not at all").check()
    expect(third).not_to_have_class(re.compile(r"\bunanswered\b"))
    expect(progress).to_have_text("9 of 9 questions answered")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="Thank you, Robin")).to_be_visible()
    expect(page.locator("main")).to_contain_text("your care team at Harbour Ketamine Clinic")


def test_the_servers_refusal_also_marks_the_question(page, setting):
    """Without the script's check (a form sent as is), the page comes back with the first
    unanswered question outlined and in view."""
    _, token = create_link(
        patient=setting["patient"], actor=setting["nurse"], instrument_codes=["phq9"]
    )
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/self-report/{token}/")
    for number in range(1, 9):
        group = page.get_by_role("group", name=re.compile(rf"^{number}\. "))
        group.get_by_label("1 · Several days").check()
    page.locator("#portal-form").evaluate("(form) => form.submit()")  # skips the submit event
    ninth = page.locator(".question", has=page.get_by_role("group", name=re.compile(r"^9\. ")))
    expect(ninth).to_have_class(re.compile(r"\bunanswered\b"))
    expect(ninth).to_be_in_viewport()
    expect(page.get_by_role("link", name="question 9")).to_be_visible()
