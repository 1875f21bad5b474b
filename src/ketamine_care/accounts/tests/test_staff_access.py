"""A clinic admin changes roles, ends and restores access, and adds a person to another clinic
they run (issue 12 item 1). Ending access signs the person out and revokes their tokens at
once; a change that would leave the clinic without an active clinic admin is refused."""

from __future__ import annotations

from django.test import Client, override_settings

from ketamine_care.accounts.models import ApiToken, Clinic, Membership, Role
from ketamine_care.accounts.services import issue_api_token
from ketamine_care.accounts.staffing import LAST_ADMIN
from ketamine_care.audit.models import AuditEvent
from ketamine_care.testing.base import ClinicTestCase, make_user


class StaffAccessTests(ClinicTestCase):
    def setUp(self):
        self.admin = self.client_for(self.clinic_admin)

    def url(self, user) -> str:
        return f"/accounts/administration/people/{user.public_id}/"

    def act(self, user, **data):
        return self.admin.post(self.url(user), data)

    def test_the_list_shows_each_role_and_last_sign_in_with_a_link_to_each_person(self):
        self.client.post(
            "/accounts/login/",
            {"email": self.nurse.email, "password": "correct horse battery staple"},
        )
        self.nurse.refresh_from_db()
        page = self.admin.get("/accounts/administration/")
        self.assertContains(page, self.url(self.nurse))
        # In the clinic's zone (UTC here) and its one human format: "29 Nov 2026, 14:05".
        self.assertContains(page, self.nurse.last_login.strftime("%d %b %Y, %H:%M").lstrip("0"))
        self.assertContains(page, "Never")  # the others have not signed in

    def test_a_role_change_takes_effect_and_is_audited(self):
        response = self.act(self.nurse, action="role", role=Role.PRESCRIBER)
        self.assertRedirects(response, self.url(self.nurse))
        self.assertEqual(Membership.objects.get(user=self.nurse).role, Role.PRESCRIBER)
        event = AuditEvent.objects.get(event_type="membership.role_changed")
        self.assertEqual(event.changes, {"old": {"role": "nurse"}, "new": {"role": "prescriber"}})
        self.assertEqual(event.actor, self.clinic_admin)

    def test_an_empty_post_changes_nothing(self):
        response = self.act(self.nurse)
        self.assertEqual(response.status_code, 200)
        response = self.act(self.nurse, action="deactivate")
        self.assertContains(response, "This field is required", status_code=422)
        self.assertTrue(Membership.objects.get(user=self.nurse).is_active)

    def test_ending_access_signs_the_person_out_and_revokes_their_tokens_at_once(self):
        nurse_browser = self.client_for(self.nurse)
        self.assertEqual(nurse_browser.get("/patients/").status_code, 200)
        _, secret = issue_api_token(membership=self.membership(self.nurse))
        api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
        self.assertEqual(api.get("/api/v1/patients").status_code, 200)

        response = self.act(self.nurse, action="deactivate", confirm="on")
        self.assertRedirects(response, self.url(self.nurse))

        signed_out = nurse_browser.get("/patients/")
        self.assertEqual(signed_out.status_code, 302)
        self.assertIn("/accounts/login/", signed_out["Location"])
        self.assertEqual(api.get("/api/v1/patients").status_code, 401)
        self.assertFalse(ApiToken.objects.usable().filter(user=self.nurse).exists())
        self.assertFalse(Membership.objects.get(user=self.nurse).is_active)
        event = AuditEvent.objects.get(event_type="membership.deactivated")
        self.assertEqual(event.changes, {"tokens_revoked": 1})
        # Signing in again opens nothing in this clinic.
        self.nurse.refresh_from_db()
        nurse_browser.force_login(self.nurse)
        self.assertEqual(nurse_browser.get("/patients/").status_code, 404)

    def test_access_can_be_restored(self):
        self.act(self.nurse, action="deactivate", confirm="on")
        self.act(self.nurse, action="reactivate", confirm="on")
        self.assertTrue(Membership.objects.get(user=self.nurse).is_active)
        self.assertTrue(AuditEvent.objects.filter(event_type="membership.reactivated").exists())

    def test_the_last_clinic_admin_cannot_be_demoted_or_deactivated(self):
        response = self.act(self.clinic_admin, action="role", role=Role.NURSE)
        self.assertContains(response, LAST_ADMIN, status_code=422)
        response = self.act(self.clinic_admin, action="deactivate", confirm="on")
        self.assertContains(response, LAST_ADMIN, status_code=422)
        membership = Membership.objects.get(user=self.clinic_admin)
        self.assertEqual((membership.role, membership.is_active), (Role.CLINIC_ADMIN, True))
        self.assertFalse(AuditEvent.objects.filter(event_type__startswith="membership.").exists())

    def test_with_a_second_admin_one_admin_may_step_down(self):
        Membership.objects.filter(user=self.nurse).update(role=Role.CLINIC_ADMIN)
        response = self.act(self.clinic_admin, action="role", role=Role.NURSE)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Membership.objects.get(user=self.clinic_admin).role, Role.NURSE)

    def test_a_person_is_added_to_another_clinic_the_admin_also_runs(self):
        second = Clinic.objects.create(name="Zed Site")
        Membership.objects.create(user=self.clinic_admin, clinic=second, role=Role.CLINIC_ADMIN)
        page = self.admin.get(self.url(self.nurse))
        self.assertContains(page, "Zed Site")
        self.assertNotContains(page, "Elsewhere Clinic")  # not administered by this admin
        data = {"action": "add_membership", "clinic": second.public_id, "role": Role.NURSE}
        response = self.act(self.nurse, **data)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(
            Membership.objects.filter(user=self.nurse, clinic=second, is_active=True).exists()
        )
        event = AuditEvent.objects.get(event_type="membership.added")
        self.assertEqual(event.clinic, second)

    def test_a_clinic_the_admin_does_not_run_is_refused(self):
        data = {"action": "add_membership", "clinic": self.other_clinic.public_id, "role": "nurse"}
        response = self.act(self.nurse, **data)
        self.assertEqual(response.status_code, 422)
        self.assertFalse(Membership.objects.filter(user=self.nurse, clinic=self.other_clinic))

    def test_another_clinics_person_is_not_found_and_other_roles_are_refused(self):
        self.assertEqual(self.admin.get(self.url(self.outsider)).status_code, 404)
        response = self.act(self.outsider, action="deactivate", confirm="on")
        self.assertEqual(response.status_code, 404)
        self.assertTrue(Membership.objects.get(user=self.outsider).is_active)
        other_admin = make_user("admin@elsewhere.clinic", self.other_clinic, Role.CLINIC_ADMIN)
        response = self.client_for(other_admin).post(
            self.url(self.nurse), {"action": "role", "role": Role.FRONT_DESK}
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(Membership.objects.get(user=self.nurse).role, Role.NURSE)
        nurse = self.client_for(self.prescriber).post(
            self.url(self.nurse), {"action": "deactivate", "confirm": "on"}
        )
        self.assertEqual(nurse.status_code, 403)
        self.assertTrue(Membership.objects.get(user=self.nurse).is_active)

    @override_settings(REQUIRE_2FA=True)
    def test_the_administration_pages_need_the_admins_second_factor(self):
        response = self.admin.get(self.url(self.nurse))
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/two-factor/", response["Location"])


class ClinicSettingsTests(ClinicTestCase):
    def test_the_admin_edits_name_address_and_security_contact(self):
        admin = self.client_for(self.clinic_admin)
        page = admin.get("/accounts/administration/clinic/")
        self.assertContains(page, "/alerts/settings/")  # crisis texts live there
        data = {
            "name": "Renamed Clinic",
            "address": "1 Main Street",
            "security_contact_email": "security@test.clinic",
            "time_zone": "America/Chicago",
        }
        self.assertEqual(admin.post("/accounts/administration/clinic/", data).status_code, 302)
        self.clinic.refresh_from_db()
        self.assertEqual(self.clinic.name, "Renamed Clinic")
        self.assertEqual(self.clinic.time_zone, "America/Chicago")
        self.assertEqual(self.clinic.security_contact_email, "security@test.clinic")
        event = AuditEvent.objects.get(event_type="clinic.settings_changed")
        self.assertEqual(event.changes["old"]["name"], "Test Clinic")

    def test_a_bad_entry_names_the_field_and_saves_nothing(self):
        admin = self.client_for(self.clinic_admin)
        data = {
            "name": "Elsewhere Clinic",
            "security_contact_email": "not an address",
            "time_zone": "Mars/Olympus_Mons",
        }
        response = admin.post("/accounts/administration/clinic/", data)
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "Mars/Olympus_Mons is not one of the", status_code=422)
        self.assertContains(response, "Enter a valid email address", status_code=422)
        self.assertContains(response, "Clinic with this Name already exists", status_code=422)
        self.clinic.refresh_from_db()
        self.assertEqual(self.clinic.name, "Test Clinic")
        self.assertFalse(AuditEvent.objects.filter(event_type="clinic.settings_changed"))

    def test_only_the_clinic_admin_may(self):
        response = self.client_for(self.medical_director).get("/accounts/administration/clinic/")
        self.assertEqual(response.status_code, 403)
