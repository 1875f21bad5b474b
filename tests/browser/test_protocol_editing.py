"""The medical director edits a protocol in the browser: change a value in its field, read the
diff in words on the confirmation step, save the draft, publish it."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.testing.treatment import activate_trd

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long browser test password"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


def screenshot(page, name: str, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


@pytest.fixture
def director():
    clinic = Clinic.objects.create(name="Protocol Clinic")
    user = User.objects.create_user("md@protocol.clinic", PASSWORD, full_name="Dr Director")
    Membership.objects.create(user=user, clinic=clinic, role=Role.MEDICAL_DIRECTOR)
    activate_trd(clinic=clinic, director=user)
    return user


def test_edit_a_value_confirm_the_diff_and_publish(page, sign_in, director):
    sign_in(director.email, PASSWORD)
    page.goto("/protocols/iv-ketamine-trd/")
    page.get_by_role("link", name="New draft").click()

    dose = page.get_by_label("Starting dose (mg/kg)")
    expect(dose).to_have_value("0.5")
    expect(page.locator("#id_dose__iv__default_help")).to_contain_text("Shipped: 0.5 mg/kg")
    screenshot(page, "protocol-edit-form")
    screenshot(page, "protocol-edit-form-top", full_page=False)
    page.locator("fieldset", has_text="Alert: SpO2 below 92 %").scroll_into_view_if_needed()
    screenshot(page, "protocol-edit-form-alerts", full_page=False)

    dose.fill("3")
    page.get_by_role("button", name="Review changes").click()
    expect(page.locator(".field.has-error")).to_contain_text("less than or equal to 1")
    page.locator(".field.has-error").scroll_into_view_if_needed()
    screenshot(page, "protocol-edit-error", full_page=False)
    page.get_by_label("Starting dose (mg/kg)").fill("0.75")
    page.get_by_role("button", name="Review changes").click()

    changes = page.locator("#protocol-changes")
    expect(changes).to_contain_text("Dose (IV), starting dose: 0.5 mg/kg → 0.75 mg/kg")
    screenshot(page, "protocol-edit-confirm")
    page.get_by_role("button", name="Save draft").click()

    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#protocol-status")).to_contain_text("clinic version 2")


def test_activation_asks_for_clinic_values_with_fields(page, sign_in, director):
    sign_in(director.email, PASSWORD)
    page.goto("/protocols/eating-disorders-research/activate/")
    expect(page.get_by_label("IV starting dose (mg/kg)")).to_be_visible()
    expect(page.locator("textarea")).to_have_count(0)
    screenshot(page, "protocol-activate-form")


def test_take_up_a_newer_shipped_version_keeping_the_clinics_change(page, sign_in, director):
    from ketamine_care.protocols import services
    from ketamine_care.protocols.models import ProtocolVersion
    from ketamine_care.protocols.tests.test_update import CEILING, newer_trd, shipping

    first = ProtocolVersion.objects.get(created_by=director)
    edited = services.create_draft(from_version=first, edits={CEILING: 70}, actor=director)
    services.publish_draft(version=edited, actor=director)
    sign_in(director.email, PASSWORD)
    with shipping(newer_trd()):
        page.goto("/protocols/iv-ketamine-trd/")
        expect(page.locator("#newer-shipped")).to_contain_text("(9.0.0) is available")
        page.get_by_role("link", name="Review the update").click()
        expect(page.locator("#shipped-changes")).to_contain_text(
            "vital signs every (after dosing): 15 min → 10 min"
        )
        keep = page.get_by_label("Keep: Clinic ceiling, ceiling per dose: 70 mg")
        expect(keep).to_be_checked()
        screenshot(page, "protocol-update-review")
        page.get_by_role("button", name="Make the draft").click()
        expect(page.get_by_text("Draft made from shipped version 9.0.0.")).to_be_visible()
        page.get_by_role("button", name="Publish").click()
        expect(page.locator("#protocol-status")).to_contain_text("definition 9.0.0+clinic.3")
        expect(page.locator("#newer-shipped")).to_have_count(0)
        screenshot(page, "protocol-update-published")
