"""A clinic admin invites a nurse; the nurse opens the e-mailed link, sets a password and
signs in with it (issue 12 item 1)."""

import re

import pytest
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.testing.jobs import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long browser test password"
NURSE_PASSWORD = "the nurse's own long password"
LINK = re.compile(r"https?://[^/\s]+(/accounts/invitation/[^\s]+/)")


@pytest.fixture
def admin():
    clinic = Clinic.objects.create(name="Invite Clinic")
    user = User.objects.create_user("admin@invite.clinic", PASSWORD, full_name="Ada Admin")
    Membership.objects.create(user=user, clinic=clinic, role=Role.CLINIC_ADMIN)
    return user


def test_an_invited_nurse_sets_a_password_and_signs_in(page, sign_in, admin, mailoutbox):
    sign_in(admin.email, PASSWORD)
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("Full name").fill("Nina Nurse")
    page.get_by_label("E-mail address").fill("nina@invite.clinic")
    page.get_by_label("Role").select_option(label="Nurse")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator("#invitations")).to_contain_text("nina@invite.clinic")
    page.get_by_role("button", name="Sign out").click()

    run_worker()  # the e-mail is a background job
    assert len(mailoutbox) == 1
    link = LINK.search(mailoutbox[0].body).group(1)
    page.goto(link)
    expect(page.get_by_role("heading", name="Join Invite Clinic")).to_be_visible()
    page.get_by_label("Password", exact=True).fill(NURSE_PASSWORD)
    page.get_by_label("Password again").fill(NURSE_PASSWORD)
    page.get_by_role("button", name="Accept and sign in").click()
    expect(page).to_have_url(re.compile(r"/patients/$"))
    page.get_by_role("button", name="Sign out").click()

    sign_in("nina@invite.clinic", NURSE_PASSWORD)
    expect(page).to_have_url(re.compile(r"/patients/$"))
    # The link was single-use.
    page.goto(link)
    expect(page.get_by_role("heading", name="This invitation cannot be used")).to_be_visible()
