"""Session lifecycle services: transitions audited, illegal ones refused with 409."""

from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.errors import Conflict, ValidationFailed
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.treatment_sessions import services
from ketamine_care.treatment_sessions.services import IllegalTransition, SessionAlreadySigned
from ketamine_care.treatment_sessions.tests.factories import (
    activate,
    ago,
    dosing_session,
    screened_session,
)


class LifecycleTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)

    def test_an_ad_hoc_session_needs_a_reason(self):
        with self.assertRaises(ValidationFailed) as caught:
            services.schedule_session(
                patient=self.patient, protocol_version=self.version, actor=self.nurse
            )
        self.assertIn("ad_hoc_reason", caught.exception.fields)

    def test_check_in_is_audited(self):
        session = screened_session(self.patient, self.version, self.prescriber)
        services.check_in(session=session, actor=self.front_desk, chair_label="Chair 3")
        session.refresh_from_db()
        self.assertEqual((session.state, session.chair_label), ("checked_in", "Chair 3"))
        self.assertIsNotNone(session.checked_in_at)
        event = AuditEvent.objects.filter(event_type="session.checked_in").get()
        self.assertEqual(event.changes["old"], {"state": "scheduled"})

    def test_an_illegal_transition_is_refused_with_a_clear_message(self):
        session = screened_session(self.patient, self.version, self.prescriber)
        with self.assertRaisesMessage(IllegalTransition, "cannot become monitoring"):
            services.start_monitoring(session=session, actor=self.nurse)
        self.assertEqual(IllegalTransition.status_code, 409)

    def test_missing_pre_checks_block_dosing(self):
        session = screened_session(self.patient, self.version, self.prescriber)
        services.check_in(session=session, actor=self.nurse)
        services.start_pre_assessment(session=session, actor=self.nurse)
        with self.assertRaises(Conflict) as caught:
            services.start_dosing(session=session, actor=self.nurse)
        self.assertIn("pre_checks.weight_today", caught.exception.fields)
        self.assertIn("pre_checks.baseline_vitals", caught.exception.fields)

    def _baseline_check(self, session) -> tuple[str, str]:
        result = {r.key: r for r in services.pre_check_results(session)}["baseline_vitals"]
        return result.status, result.message

    def test_a_blood_pressure_without_a_heart_rate_is_not_a_baseline(self):
        # Discharge compares the heart rate with the pre-dose one: a baseline of a blood
        # pressure alone let dosing go ahead and left discharge unmet for good.
        session = screened_session(self.patient, self.version, self.prescriber)
        services.check_in(session=session, actor=self.nurse)
        services.start_pre_assessment(session=session, actor=self.nurse)

        pressure = {"measured_at": ago(20), "bp_systolic_mmhg": 124, "bp_diastolic_mmhg": 78}
        services.record_vitals(session=session, actor=self.nurse, readings=[pressure])
        status, message = self._baseline_check(session)
        self.assertNotIn(status, ("met", "overridden"))
        self.assertIn("heart rate", message)
        pulse = {"measured_at": ago(18), "heart_rate_bpm": 72}
        services.record_vitals(session=session, actor=self.nurse, readings=[pulse])
        self.assertEqual(self._baseline_check(session)[0], "met")

    def test_half_a_blood_pressure_is_not_a_baseline(self):
        # The hold rule before dosing reads both numbers (systolic 180, diastolic 110): a
        # systolic alone cannot show the diastolic is below its line.
        session = screened_session(self.patient, self.version, self.prescriber)
        services.check_in(session=session, actor=self.nurse)
        services.start_pre_assessment(session=session, actor=self.nurse)

        services.record_vitals(
            session=session,
            actor=self.nurse,
            readings=[{"measured_at": ago(20), "bp_systolic_mmhg": 120, "heart_rate_bpm": 70}],
        )
        status, message = self._baseline_check(session)
        self.assertNotIn(status, ("met", "overridden"))
        self.assertIn("both systolic and diastolic", message)
        services.record_vitals(
            session=session,
            actor=self.nurse,
            readings=[{"measured_at": ago(15), "bp_diastolic_mmhg": 80, "heart_rate_bpm": 70}],
        )
        # Two halves in two readings are not a pair.
        self.assertNotEqual(self._baseline_check(session)[0], "met")
        services.record_vitals(
            session=session,
            actor=self.nurse,
            readings=[{"measured_at": ago(10), "bp_systolic_mmhg": 124, "bp_diastolic_mmhg": 78}],
        )
        self.assertEqual(self._baseline_check(session)[0], "met")

    def test_an_overridable_check_can_be_overridden_with_a_reason(self):
        session = screened_session(self.patient, self.version, self.prescriber)
        services.check_in(session=session, actor=self.nurse)
        services.override_pre_check(
            session=session, actor=self.prescriber, check="escort", reason="taxi booked"
        )
        results = {r.key: r.status for r in services.pre_check_results(session)}
        self.assertEqual(results["escort"], "overridden")
        with self.assertRaises(ValidationFailed):
            services.override_pre_check(
                session=session, actor=self.prescriber, check="consent", reason="x"
            )

    def test_cancel_needs_a_reason_and_is_final(self):
        session = screened_session(self.patient, self.version, self.prescriber)
        with self.assertRaises(ValidationFailed):
            services.cancel_session(session=session, actor=self.nurse, reason=" ")
        services.cancel_session(session=session, actor=self.nurse, reason="patient unwell")
        with self.assertRaises(IllegalTransition):
            services.check_in(session=session, actor=self.nurse)

    def test_a_whole_session_reaches_signed_and_is_locked(self):
        session = dosing_session(self.patient, self.version, self.nurse, self.prescriber)
        services.record_vitals(
            session=session,
            actor=self.nurse,
            readings=[
                {"measured_at": ago(40), "bp_systolic_mmhg": 132, "bp_diastolic_mmhg": 82,
                 "heart_rate_bpm": 76},
                {"measured_at": ago(30), "bp_systolic_mmhg": 130, "bp_diastolic_mmhg": 80,
                 "moaas": 5, "spo2_percent": 98, "heart_rate_bpm": 74},
            ],
        )  # fmt: skip
        services.mark_ready_for_discharge(session=session, actor=self.nurse, escort_present=True)
        services.discharge(session=session, actor=self.nurse)
        services.sign_session(session=session, actor=self.prescriber, note_text="Uneventful.")
        session.refresh_from_db()
        self.assertEqual(session.state, "signed")
        self.assertEqual(session.signed_summary["note"], "Uneventful.")
        self.assertEqual(session.signed_summary["vitals"]["count"], 3)
        with self.assertRaises(SessionAlreadySigned):
            services.record_vitals(
                session=session,
                actor=self.nurse,
                readings=[{"measured_at": ago(1), "heart_rate_bpm": 80}],
            )
        with self.assertRaises(SessionAlreadySigned):
            services.abort_session(session=session, actor=self.nurse, reason="late")
        with self.assertRaises(SessionAlreadySigned):
            services.record_adverse_event(
                session=session, actor=self.nurse, event_type="nausea", severity="mild",
                action_taken="none", outcome="resolved",
            )  # fmt: skip
        amendment = services.amend_session(
            session=session,
            actor=self.prescriber,
            kind="amendment",
            text="Patient called: well at home.",
            reason="follow-up call",
        )
        self.assertEqual(amendment.target_type, "note")

    def test_discharge_is_refused_while_criteria_are_unmet(self):
        session = dosing_session(
            self.patient, self.version, self.nurse, self.prescriber, started_min_ago=45
        )
        with self.assertRaises(Conflict) as caught:
            services.mark_ready_for_discharge(session=session, actor=self.nurse)
        self.assertIn("minimum observation", caught.exception.message)
        self.assertIn("escort", caught.exception.message)
