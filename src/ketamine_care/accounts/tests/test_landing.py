"""Every role lands on a page it can use: `/` leads clinicians to the patients, the front desk
to today's arrivals, the clinic admin to administration and the researcher to the cohort
workspace; the 403 page never tells a clinic admin to ask their clinic admin."""

from __future__ import annotations

import pytest

from ketamine_care.accounts.landing import landing_for
from ketamine_care.accounts.models import Membership, Role
from ketamine_care.testing.base import ClinicTestCase, make_user

# Screens and forms over the ORM's portable queries: what they show, refuse and save is the
# same on both engines. The SQL under them that is not (row locks, the search statements, the
# audit and vitals inserts, windows, triggers) has its own tests in both passes
# (docs/TESTING.md, "Which tests run twice"). Checked once, in the SQLite pass.
pytestmark = pytest.mark.only_on("sqlite")

EXPECTED = {
    Role.PRESCRIBER: "/patients/",
    Role.MEDICAL_DIRECTOR: "/patients/",
    Role.NURSE: "/patients/",
    Role.THERAPIST: "/patients/",
    Role.FRONT_DESK: "/sessions/check-in/",
    Role.CLINIC_ADMIN: "/accounts/administration/",
    Role.RESEARCHER: "/research/",
}


class LandingTests(ClinicTestCase):
    def test_every_role_lands_on_a_page_it_may_open(self):
        for role, url in EXPECTED.items():
            with self.subTest(role=role):
                client = self.client_for(self.users[role])
                response = client.get("/")
                self.assertRedirects(response, url, fetch_redirect_response=False)
                self.assertEqual(client.get(url).status_code, 200)

    def test_every_role_has_a_landing(self):
        self.assertEqual(set(EXPECTED), set(Role))
        for role in Role:
            membership = Membership.objects.get(user=self.users[role])
            self.assertTrue(landing_for(membership))

    def test_anonymous_visitors_are_sent_to_sign_in(self):
        response = self.client.get("/")
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response["Location"])

    def test_a_user_without_a_membership_gets_404(self):
        from ketamine_care.accounts.models import User

        user = User.objects.create_user("nobody@test.clinic", "x long password 1")
        self.assertEqual(self.client_for(user).get("/").status_code, 404)


class AdministrationPageTests(ClinicTestCase):
    def test_it_lists_the_clinics_users_and_roles_only(self):
        response = self.client_for(self.clinic_admin).get("/accounts/administration/")
        self.assertContains(response, "nurse@test.clinic")
        self.assertContains(response, "Front desk")
        self.assertContains(response, "Users and roles, the controlled-substance ledger")
        self.assertNotContains(response, "outsider@elsewhere.clinic")
        self.assertContains(response, 'href="/audit/"')

    def test_a_member_without_access_is_marked(self):
        make_user("former@test.clinic", self.clinic, Role.NURSE)
        Membership.objects.filter(user__email="former@test.clinic").update(is_active=False)
        response = self.client_for(self.clinic_admin).get("/accounts/administration/")
        page = response.content.decode()
        row = page[page.index("former@test.clinic") : page.index("</tr>", page.index("former@"))]
        self.assertIn("No access", row)

    def test_other_roles_may_not_open_it(self):
        for user in (self.nurse, self.researcher, self.front_desk, self.medical_director):
            status = self.client_for(user).get("/accounts/administration/").status_code
            self.assertEqual(status, 403)

    def test_the_nav_links_the_landing_pages_to_their_roles_only(self):
        admin = self.client_for(self.clinic_admin).get("/accounts/administration/")
        self.assertContains(admin, ">Administration</a>")
        self.assertNotContains(admin, ">Cohort research</a>")
        researcher = self.client_for(self.researcher).get("/research/")
        self.assertContains(researcher, ">Cohort research</a>")
        self.assertNotContains(researcher, ">Administration</a>")

    def test_the_medical_director_reaches_cohort_research_from_the_outcomes_page(self):
        # A full navigation bar on a laptop: research sits beside the clinic's outcomes.
        client = self.client_for(self.medical_director)
        outcomes = client.get("/registry/")
        self.assertContains(outcomes, 'id="to-research" href="/research/"')
        self.assertNotContains(outcomes, ">Cohort research</a></li>")
        research = client.get("/research/")
        self.assertEqual(research.status_code, 200)
        self.assertContains(research, 'href="/registry/" id="to-outcomes"')
        self.assertContains(research, 'aria-current="page">Outcomes</a>')
        admin = self.client_for(self.clinic_admin).get("/registry/")
        self.assertNotContains(admin, 'id="to-research"')


class CohortPageTests(ClinicTestCase):
    def test_the_former_address_leads_to_the_research_workspace(self):
        response = self.client_for(self.researcher).get("/accounts/cohorts/")
        self.assertRedirects(response, "/research/")

    def test_it_explains_the_workspace_with_no_broken_links(self):
        client = self.client_for(self.researcher)
        response = client.get("/accounts/cohorts/", follow=True)
        self.assertContains(response, "de-identified")
        import re

        for href in set(re.findall(r'href="(/[^"#]*)"', response.content.decode())):
            if href.startswith("/static/"):
                continue
            with self.subTest(href=href):
                self.assertIn(client.get(href).status_code, (200, 302))

    def test_clinicians_may_not_open_it(self):
        self.assertEqual(self.client_for(self.nurse).get("/accounts/cohorts/").status_code, 403)


class ForbiddenPageTests(ClinicTestCase):
    def test_a_clinic_admin_is_never_told_to_ask_their_clinic_admin(self):
        response = self.client_for(self.clinic_admin).get("/patients/")
        self.assertEqual(response.status_code, 403)
        self.assertNotContains(response, "ask your clinic admin", status_code=403)
        self.assertContains(response, "Go to administration", status_code=403)

    def test_a_researcher_is_pointed_to_the_cohort_workspace(self):
        response = self.client_for(self.researcher).get("/patients/")
        self.assertContains(response, "Go to cohort research", status_code=403)

    def test_other_roles_are_told_to_ask_their_clinic_admin(self):
        response = self.client_for(self.front_desk).get("/inventory/")
        self.assertContains(response, "ask your clinic admin", status_code=403)


class SignInLandingTests(ClinicTestCase):
    def test_signing_in_without_next_leads_to_the_roles_landing(self):
        from django.test import Client

        from ketamine_care.testing.base import PASSWORD

        for role in (Role.CLINIC_ADMIN, Role.RESEARCHER, Role.FRONT_DESK, Role.NURSE):
            with self.subTest(role=role):
                response = Client().post(
                    "/accounts/login/", {"email": f"{role.value}@test.clinic", "password": PASSWORD}
                )
                self.assertRedirects(response, EXPECTED[role], fetch_redirect_response=False)

    def test_a_next_asked_for_is_kept(self):
        from django.test import Client

        from ketamine_care.testing.base import PASSWORD

        response = Client().post(
            "/accounts/login/?next=/inventory/",
            {"email": "clinic_admin@test.clinic", "password": PASSWORD},
        )
        self.assertRedirects(response, "/inventory/", fetch_redirect_response=False)
