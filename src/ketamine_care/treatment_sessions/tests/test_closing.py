"""Discharge with its assessment, and signing the note with the password entered again."""

from dataclasses import replace
from unittest import mock

from django.core.cache import cache
from django.test import override_settings

from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.errors import Conflict, StateError, ValidationFailed
from ketamine_care.instruments.services import record_administration
from ketamine_care.testing.base import PASSWORD, ClinicTestCase
from ketamine_care.treatment_sessions import monitoring
from ketamine_care.treatment_sessions.discharge import RecoveryScoreRule
from ketamine_care.treatment_sessions.models import DischargeAssessment
from ketamine_care.treatment_sessions.services.closing import discharge_patient, sign_note
from ketamine_care.treatment_sessions.tests.factories import (
    activate,
    discharged_session,
    dosing_session,
    ready_session,
)

GIVEN = ["no_driving", "escort_home", "no_alcohol_cannabis"]


class DischargeAssessmentTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)

    def discharge(self, session, **overrides):
        values = {
            "session": session,
            "actor": self.nurse,
            "escort_name": "Sam Escort",
            "instructions": GIVEN,
            "confirmed": True,
        }
        return discharge_patient(**(values | overrides))

    def assert_refused(self, session, field, **overrides):
        with self.assertRaises(ValidationFailed) as caught:
            self.discharge(session, **overrides)
        self.assertIn(field, caught.exception.fields)
        session.refresh_from_db()
        self.assertEqual(session.state, "ready_for_discharge")
        self.assertFalse(DischargeAssessment.objects.exists())

    def test_it_records_the_assessment_and_discharges_in_one_step(self):
        session = ready_session(self.patient, self.version, self.nurse, self.prescriber)
        self.discharge(session, other_instructions="Call the clinic tomorrow")
        session.refresh_from_db()
        self.assertEqual(session.state, "discharged")
        row = session.discharge_assessment
        self.assertEqual(row.escort_name, "Sam Escort")
        self.assertEqual(row.instructions, GIVEN)
        self.assertEqual(row.other_instructions, "Call the clinic tomorrow")
        self.assertEqual((row.recovery_instrument, row.recovery_score), ("", None))
        self.assertEqual(row.recorded_by, self.nurse)
        event = AuditEvent.objects.get(event_type="session.discharged")
        self.assertEqual(event.changes["new"]["escort_name"], "Sam Escort")
        self.assertEqual(event.changes["new"]["instructions"], GIVEN)

    def test_it_asks_for_confirmation(self):
        session = ready_session(self.patient, self.version, self.nurse, self.prescriber)
        self.assert_refused(session, "confirmed", confirmed=False)

    def test_it_needs_the_escorts_name_when_the_protocol_requires_an_escort(self):
        session = ready_session(self.patient, self.version, self.nurse, self.prescriber)
        self.assert_refused(session, "escort_name", escort_name="  ")

    def test_it_needs_the_instructions_given(self):
        session = ready_session(self.patient, self.version, self.nurse, self.prescriber)
        self.assert_refused(session, "instructions", instructions=[])
        self.assert_refused(session, "instructions", instructions=["drink_more_coffee"])

    def test_free_text_instructions_alone_are_enough(self):
        session = ready_session(self.patient, self.version, self.nurse, self.prescriber)
        self.discharge(session, instructions=[], other_instructions="Written sheet given")
        self.assertEqual(DischargeAssessment.objects.get().instructions, [])

    def test_a_session_not_ready_for_discharge_is_refused(self):
        session = dosing_session(self.patient, self.version, self.nurse, self.prescriber)
        with self.assertRaises(StateError):
            self.discharge(session)
        session.refresh_from_db()
        self.assertEqual(session.state, "monitoring")
        self.assertFalse(DischargeAssessment.objects.exists())


class RecoveryScoreTests(ClinicTestCase):
    """A protocol that asks for the Modified Aldrete score [@aldrete-1995] with a pass mark:
    the rule is the protocol's (here patched in), never a number of the service's own."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)

    def setUp(self):
        self.session = ready_session(self.patient, self.version, self.nurse, self.prescriber)
        real = monitoring.monitoring_for(self.session)
        rule = RecoveryScoreRule(instrument="aldrete", min_total=9)
        asked = replace(real, discharge=replace(real.discharge, recovery_score=rule))
        patcher = mock.patch.object(monitoring, "monitoring_for", return_value=asked)
        patcher.start()
        self.addCleanup(patcher.stop)

    def aldrete(self, answers):
        record_administration(
            patient=self.patient,
            instrument_code="aldrete",
            answers=answers,
            time_point="post_session",
            actor=self.nurse,
        )

    def discharge(self):
        return discharge_patient(
            session=self.session,
            actor=self.nurse,
            escort_name="Sam Escort",
            instructions=GIVEN,
            confirmed=True,
        )

    def test_a_missing_score_is_refused(self):
        with self.assertRaises(ValidationFailed) as caught:
            self.discharge()
        self.assertIn("recovery_score", caught.exception.fields)

    def test_a_score_below_the_pass_mark_is_refused(self):
        self.aldrete([2, 2, 2, 1, 1])
        with self.assertRaisesMessage(Conflict, "below the protocol's pass mark (9)"):
            self.discharge()
        self.assertFalse(DischargeAssessment.objects.exists())

    def test_a_passing_score_is_copied_into_the_assessment(self):
        self.aldrete([2, 2, 2, 2, 1])
        self.discharge()
        row = DischargeAssessment.objects.get()
        self.assertEqual((row.recovery_instrument, row.recovery_score), ("aldrete", 9))
        self.assertEqual(row.recovery_pass_mark, 9)


class SignNoteTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)

    def setUp(self):
        cache.clear()
        self.session = discharged_session(self.patient, self.version, self.nurse, self.prescriber)

    def sign(self, **overrides):
        values = {
            "session": self.session,
            "actor": self.prescriber,
            "password": PASSWORD,
            "note_text": "Tolerated well.",
            "generated_note_complete": False,
        }
        return sign_note(**(values | overrides))

    def assert_nothing_signed(self):
        self.session.refresh_from_db()
        self.assertEqual(self.session.state, "discharged")
        self.assertEqual((self.session.note_text, self.session.signed_by), ("", None))
        self.assertFalse(AuditEvent.objects.filter(event_type="session.signed").exists())

    def test_it_signs_with_the_password(self):
        self.sign()
        self.session.refresh_from_db()
        self.assertEqual(self.session.state, "signed")
        self.assertEqual(self.session.signed_summary["note"], "Tolerated well.")
        discharge = self.session.signed_summary["discharge"]
        self.assertEqual(discharge["escort_name"], "Sam Escort")
        self.assertEqual(discharge["instructions"], ["no_driving", "escort_home"])

    def test_a_wrong_password_is_refused_audited_and_signs_nothing(self):
        with self.assertRaises(ValidationFailed) as caught:
            self.sign(password="not my password")
        self.assertEqual(caught.exception.fields["password"], "Your password is not correct.")
        self.assert_nothing_signed()
        refusal = AuditEvent.objects.get(event_type="session.signature_refused")
        self.assertEqual(refusal.changes, {"reason": "wrong_password"})

    def test_an_empty_password_is_refused(self):
        with self.assertRaises(ValidationFailed) as caught:
            self.sign(password="")
        self.assertIn("password", caught.exception.fields)
        self.assert_nothing_signed()

    def test_an_empty_note_is_refused_unless_the_generated_note_is_confirmed_complete(self):
        with self.assertRaises(ValidationFailed) as caught:
            self.sign(note_text="   ")
        self.assertIn("generated note is complete", caught.exception.fields["note"])
        self.assert_nothing_signed()
        self.sign(note_text="", generated_note_complete=True)
        self.session.refresh_from_db()
        self.assertEqual((self.session.state, self.session.note_text), ("signed", ""))

    @override_settings(SIGN_PASSWORD_FAILURE_LIMIT=2)
    def test_repeated_wrong_passwords_stop_signing_even_with_the_right_one(self):
        for _ in range(2):
            with self.assertRaises(ValidationFailed):
                self.sign(password="wrong")
        with self.assertRaises(ValidationFailed) as caught:
            self.sign()
        self.assertIn("Too many wrong passwords", caught.exception.fields["password"])
        self.assert_nothing_signed()
