"""The clinic outcomes dashboard in a browser: a prescriber filters the cohort and reads the
rates, the relapse curve with its number at risk, the early-response profile and the safety
table; small cells read "fewer than 5"; a definition link opens its definition; the clinic
admin sees counts only."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.core.clock import clinic_today
from ketamine_care.patients import services as patients
from ketamine_care.registry.services import refresh_summaries
from ketamine_care.registry.tests.builders import add_adverse_event, add_alert, make_course
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.treatment import activate_trd
from tests.browser.screenshots import save
from tests.browser.test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long browser test password"
IV_SERIES = (0, 3, 7, 10, 14, 17)
# (day, hour, MADRS): baseline two days before, 4 h after the first dose, end of the series,
# then either relapse (>= 22 twice 7 days apart) or a remission held to 3 months.
RESPONDER = [(-2, 10, 32), (0, 13, 14), (17, 8, 12), (92, 10, 8)]
RELAPSER = [(-2, 10, 30), (0, 13, 20), (17, 8, 12), (40, 10, 24), (47, 10, 26)]
NON_RESPONDER = [(-2, 10, 30), (0, 13, 28), (17, 8, 27), (92, 10, 26)]


def _user(clinic, role, email):
    user = User.objects.create_user(email, PASSWORD, full_name=email.split("@")[0].title())
    Membership.objects.create(user=user, clinic=clinic, role=role)
    return user


@pytest.fixture
def clinic_staff():
    clinic = Clinic.objects.create(name="Registry Clinic")
    staff = {
        role: _user(clinic, role, f"{role.value}@registry.clinic")
        for role in (Role.PRESCRIBER, Role.MEDICAL_DIRECTOR, Role.NURSE, Role.CLINIC_ADMIN)
    }
    version = activate_trd(clinic=clinic, director=staff[Role.MEDICAL_DIRECTOR])
    start = clinic_today(clinic) - timedelta(days=130)
    kinds = [RESPONDER] * 6 + [RELAPSER] * 3 + [NON_RESPONDER] * 6
    for i, ratings in enumerate(kinds):
        patient = make_patient(
            clinic=clinic, actor=staff[Role.PRESCRIBER], mrn=f"REG-{i}", sex="female"
        )
        patients.add_diagnosis(
            patient=patient, actor=staff[Role.PRESCRIBER], icd10_code="F33.2", label="MDD"
        )
        _plan, sessions = make_course(
            patient=patient,
            version=version,
            prescriber=staff[Role.PRESCRIBER],
            nurse=staff[Role.NURSE],
            start=start,
            sessions=IV_SERIES,
            ratings=ratings,
        )
        if i % 2 == 0:
            add_adverse_event(sessions[0], staff[Role.NURSE])
        if i < 3:
            add_alert(sessions[1])
    refresh_summaries(clinic=clinic)
    return staff


def test_a_prescriber_reads_the_clinic_outcomes(page, sign_in, clinic_staff):
    sign_in(clinic_staff[Role.PRESCRIBER].email, PASSWORD)
    page.get_by_role("link", name="Outcomes").click()
    expect(page.get_by_role("heading", name="Clinic outcomes")).to_be_visible()
    expect(page.locator("#count-courses")).to_have_text("15")
    rates = page.locator("#rates-table")
    # End of induction: 9 of 15 respond (MADRS 12 from 30-32), none remits (12 > 10).
    expect(rates.locator("tr[data-point='induction']")).to_contain_text("60 %")
    expect(rates.locator("tr[data-point='induction']")).to_contain_text("(9 of 15)")
    # 3 months: 6 remitters of 12 rated; the 3 relapsers have no rating near day 91.
    expect(rates.locator("tr[data-point='3m']")).to_contain_text("(6 of 12)")
    expect(page.locator("#chart-response")).to_be_visible()
    # Relapse: 9 responders at risk, 3 relapsed; the number at risk is printed under it.
    expect(page.locator("#chart-relapse")).to_be_visible()
    expect(page.locator("#times figcaption")).to_contain_text("9 courses at risk")
    # At risk on days 0, 30, 60, 90: 9, 9, then 6 (3 relapsed on day 30 after response).
    expect(page.locator("#at-risk td")).to_have_text(["9", "9", "6", "6"])
    # Early response at 4 h: the responders' 14 from 32 (56 % better) respond.
    expect(page.locator("#early-table")).to_contain_text("4 hours")
    # Safety: adverse events on 8 of 15 patients' first session, 90 sessions held.
    expect(page.locator("#safety-table")).to_contain_text("8.9")
    # Blood-pressure alerts come from 3 patients: withheld.
    expect(page.locator("#safety-table")).to_contain_text("fewer than 5 patients")
    expect(page.locator("#dose-empty")).to_be_visible()
    save(page, "registry-dashboard")
    assert violations(page) == []
    # A definition link opens its definition.
    page.locator("#rates h2 a", has_text="95 % interval").click()
    expect(page.locator("#def-wilson")).to_be_visible()
    # Filtering to a sex with no course shows the empty state.
    page.get_by_label("Sex").select_option("male")
    page.get_by_role("button", name="Show this cohort").click()
    expect(page.locator("#registry-empty")).to_be_visible()
    expect(page.locator("#cohort-description")).to_have_text("Filtered by Sex: Male.")


def test_the_clinic_admin_sees_counts_only(page, sign_in, clinic_staff):
    sign_in(clinic_staff[Role.CLINIC_ADMIN].email, PASSWORD)
    page.goto("/registry/")
    expect(page.locator("#counts-only")).to_be_visible()
    expect(page.locator("#count-courses")).to_have_text("15")
    expect(page.locator("#completeness")).to_be_visible()
    expect(page.locator("#rates-table")).to_have_count(0)
    expect(page.locator("#chart-relapse")).to_have_count(0)
    save(page, "registry-dashboard-counts")
