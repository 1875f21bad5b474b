"""The session page by state: the header, the verbs of its buttons, discharge and signing
through the screens, the *To sign* worklist and its badge, and the panels an HTMX save
refreshes together."""

import re

import pytest
from django.core.cache import cache

from ketamine_care.outcomes.models import SafetyAlert
from ketamine_care.patients.services import add_allergy
from ketamine_care.testing.base import PASSWORD, ClinicTestCase
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.measures import phq9, record
from ketamine_care.treatment_sessions.models import DischargeAssessment
from ketamine_care.treatment_sessions.services.closing import sign_note
from ketamine_care.treatment_sessions.tests.factories import (
    activate,
    discharged_session,
    dosing_session,
    ready_session,
    screened_session,
)

# Screens and forms over the ORM's portable queries: what they show, refuse and save is the
# same on both engines. The SQL under them that is not (row locks, the search statements, the
# audit and vitals inserts, windows, triggers) has its own tests in both passes
# (docs/TESTING.md, "Which tests run twice"). Checked once, in the SQLite pass.
pytestmark = pytest.mark.only_on("sqlite")

HTMX = {"HX-Request": "true", "HX-Target": "vitals"}


class SessionPageTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)

    def page(self, session, user=None):
        client = self.client_for(user or self.nurse)
        return client.get(f"/sessions/{session.public_id}/")

    def test_the_header_links_the_chart_and_says_allergies_are_not_recorded(self):
        session = screened_session(self.patient, self.version, self.prescriber)
        response = self.page(session)
        self.assertContains(response, f'href="/patients/{self.patient.public_id}/"')
        self.assertContains(response, "Allergies not recorded")
        self.assertNotContains(response, "No known drug allergies")
        self.assertContains(response, "IV racemic ketamine for treatment-resistant depression")

    def test_no_known_drug_allergies_is_distinct_from_not_recorded(self):
        add_allergy(patient=self.patient, actor=self.nurse, substance="NKDA")
        response = self.page(screened_session(self.patient, self.version, self.prescriber))
        self.assertContains(response, "No known drug allergies")
        self.assertNotContains(response, "Allergies not recorded")
        add_allergy(patient=self.patient, actor=self.nurse, substance="Penicillin", reaction="rash")
        response = self.page(screened_session(self.patient, self.version, self.prescriber))
        self.assertContains(response, "Penicillin (rash)")
        self.assertNotContains(response, "No known drug allergies")

    def test_the_header_shows_open_patient_level_alerts(self):
        record(self.patient, self.nurse, "phq9", phq9(12, item9=2))
        alert = SafetyAlert.objects.get(patient=self.patient)
        response = self.page(screened_session(self.patient, self.version, self.prescriber))
        self.assertContains(response, 'id="patient-alerts"')
        self.assertContains(response, alert.message)

    def test_state_buttons_are_verbs(self):
        session = screened_session(self.patient, self.version, self.prescriber)
        self.client_for(self.nurse).post(f"/sessions/{session.public_id}/check-in/")
        self.assertContains(self.page(session), ">Start pre-assessment</button>")
        dosing = dosing_session(make_patient(clinic=self.clinic, actor=self.nurse, mrn="V-2"),
                                self.version, self.nurse, self.prescriber)  # fmt: skip
        self.assertContains(self.page(dosing), ">Mark ready for discharge</button>")

    def test_pre_session_checks_fold_away_once_dosing_starts(self):
        session = screened_session(self.patient, self.version, self.prescriber)
        self.client_for(self.nurse).post(f"/sessions/{session.public_id}/check-in/")
        self.assertNotContains(self.page(session), 'id="pre-checks-folded"')
        dosing = dosing_session(make_patient(clinic=self.clinic, actor=self.nurse, mrn="V-3"),
                                self.version, self.nurse, self.prescriber)  # fmt: skip
        response = self.page(dosing)
        self.assertContains(response, '<details id="pre-checks-folded">')
        self.assertContains(response, 'id="session-clock"')

    def test_a_signed_session_offers_no_vitals_form_no_abort_and_no_clock(self):
        session = discharged_session(self.patient, self.version, self.nurse, self.prescriber)
        sign_note(session=session, actor=self.prescriber, password=PASSWORD,
                  note_text="Uneventful.", generated_note_complete=False)  # fmt: skip
        response = self.page(session, self.prescriber)
        self.assertContains(response, 'id="note-text"')
        for absent in ('id="vitals-form"', "Abort session", 'id="session-clock"',
                       "since dose start", "Sign note…"):  # fmt: skip
            self.assertNotContains(response, absent)
        self.assertContains(response, "Escort: Sam Escort")

    def test_an_htmx_vitals_save_refreshes_every_panel_and_focuses_the_first_field(self):
        session = dosing_session(self.patient, self.version, self.nurse, self.prescriber)
        response = self.client_for(self.nurse).post(
            f"/sessions/{session.public_id}/vitals/",
            {"bp_systolic_mmhg": 205, "bp_diastolic_mmhg": 100},
            headers=HTMX,
        )
        self.assertEqual(response.status_code, 200)
        body = response.content.decode()
        for panel in ("alerts-panel", "checks", "readiness", "next-step"):
            self.assertIn(f'id="{panel}" hx-swap-oob="true"', body)
        self.assertIn('data-rule="bp_above_200_120"', body)
        self.assertIn('id="vitals"', body)
        systolic = re.search(r'<input[^>]*name="bp_systolic_mmhg"[^>]*>', body).group(0)
        self.assertIn("autofocus", systolic)

    def test_a_refused_htmx_save_keeps_the_entry_and_does_not_steal_the_focus(self):
        session = dosing_session(self.patient, self.version, self.nurse, self.prescriber)
        response = self.client_for(self.nurse).post(
            f"/sessions/{session.public_id}/vitals/", {"spo2_percent": 120}, headers=HTMX
        )
        self.assertEqual(response.status_code, 422)
        self.assertNotIn("autofocus", response.content.decode())


class DischargeAndSignScreenTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)

    def setUp(self):
        cache.clear()

    def test_discharge_asks_for_the_assessment_and_a_confirmation(self):
        session = ready_session(self.patient, self.version, self.nurse, self.prescriber)
        client = self.client_for(self.nurse)
        page = client.get(f"/sessions/{session.public_id}/")
        self.assertContains(page, 'id="discharge-form"')
        self.assertContains(page, "No alcohol or cannabis for 24 hours")
        url = f"/sessions/{session.public_id}/discharge/"
        form = {"escort_name": "Sam", "instructions": ["no_driving", "escort_home"]}
        refused = client.post(url, form)
        self.assertEqual(refused.status_code, 422)
        self.assertContains(refused, "Confirm the discharge.", status_code=422)
        session.refresh_from_db()
        self.assertEqual(session.state, "ready_for_discharge")
        done = client.post(url, form | {"confirmed": "on"})
        self.assertEqual(done.status_code, 302)
        session.refresh_from_db()
        self.assertEqual(session.state, "discharged")
        self.assertEqual(DischargeAssessment.objects.get().escort_name, "Sam")

    def test_signing_with_a_wrong_password_saves_nothing(self):
        session = discharged_session(self.patient, self.version, self.nurse, self.prescriber)
        client = self.client_for(self.prescriber)
        url = f"/sessions/{session.public_id}/sign/"
        refused = client.post(url, {"note": "Fine.", "password": "wrong"})
        self.assertContains(refused, "Your password is not correct.", status_code=422)
        session.refresh_from_db()
        self.assertEqual((session.state, session.note_text), ("discharged", ""))

    def test_an_empty_note_without_the_confirmation_is_refused(self):
        session = discharged_session(self.patient, self.version, self.nurse, self.prescriber)
        client = self.client_for(self.prescriber)
        page = client.get(f"/sessions/{session.public_id}/")
        self.assertContains(page, 'id="generated-note"')  # what the confirmation is about
        self.assertContains(page, "Highest systolic BP (mmHg): 132")
        url = f"/sessions/{session.public_id}/sign/"
        refused = client.post(url, {"note": "", "password": PASSWORD})
        self.assertContains(refused, "generated note is complete", status_code=422)
        session.refresh_from_db()
        self.assertEqual(session.state, "discharged")
        signed = client.post(url, {"password": PASSWORD, "generated_note_complete": "on"})
        self.assertEqual(signed.status_code, 302)
        session.refresh_from_db()
        self.assertEqual(session.state, "signed")

    def test_signed_times_print_in_one_human_format(self):
        session = discharged_session(self.patient, self.version, self.nurse, self.prescriber)
        sign_note(session=session, actor=self.prescriber, password=PASSWORD,
                  note_text="Fine.", generated_note_complete=False)  # fmt: skip
        session.refresh_from_db()
        body = self.client_for(self.prescriber).get(f"/sessions/{session.public_id}/").content
        text = body.decode()
        self.assertIn(f"on {session.signed_at.day} {session.signed_at:%b %Y, %H:%M}.", text)
        self.assertNotIn("+00:00", text)  # no raw ISO times from the stored summary


class ToSignTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)
        cls.their_version = activate(cls.other_clinic, cls.outsider_director())

    @classmethod
    def outsider_director(cls):
        from ketamine_care.accounts.models import Role
        from ketamine_care.testing.base import make_user

        return make_user("md@elsewhere.clinic", cls.other_clinic, Role.MEDICAL_DIRECTOR)

    def test_it_lists_this_clinics_discharged_unsigned_sessions_with_a_badge(self):
        session = discharged_session(self.patient, self.version, self.nurse, self.prescriber)
        theirs = discharged_session(self.other_patient, self.their_version,
                                    self.outsider_nurse(), self.outsider)  # fmt: skip
        response = self.client_for(self.prescriber).get("/sessions/to-sign/")
        self.assertContains(response, f"/sessions/{session.public_id}/#note")
        self.assertNotContains(response, str(theirs.public_id))
        self.assertNotContains(response, self.other_patient.mrn)
        self.assertContains(response, 'id="to-sign-count"')
        self.assertContains(response, '1<span class="visually-hidden"> waiting)')

    def outsider_nurse(self):
        from ketamine_care.accounts.models import Role
        from ketamine_care.testing.base import make_user

        return make_user("rn@elsewhere.clinic", self.other_clinic, Role.NURSE)

    def test_signing_empties_the_list(self):
        session = discharged_session(self.patient, self.version, self.nurse, self.prescriber)
        sign_note(session=session, actor=self.prescriber, password=PASSWORD,
                  note_text="Fine.", generated_note_complete=False)  # fmt: skip
        response = self.client_for(self.prescriber).get("/sessions/to-sign/")
        self.assertContains(response, 'id="to-sign-empty"')
        self.assertNotContains(response, 'id="to-sign-count"')

    def test_nurses_have_no_worklist_and_no_badge(self):
        discharged_session(self.patient, self.version, self.nurse, self.prescriber)
        client = self.client_for(self.nurse)
        self.assertEqual(client.get("/sessions/to-sign/").status_code, 403)
        self.assertNotContains(client.get("/sessions/"), 'id="to-sign-count"')
