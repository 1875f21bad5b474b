"""Recording, changing, signing and amending therapy notes; the risk alert; the windows."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ketamine_care.audit.models import AuditEvent
from ketamine_care.core import alert_feed
from ketamine_care.core.clock import clinic_today
from ketamine_care.core.errors import Conflict, StateError, ValidationFailed
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.therapy import integration_note
from ketamine_care.therapy import services
from ketamine_care.therapy.models import TherapyAmendment, TherapyRiskAlert, TherapySession
from ketamine_care.therapy.windows import windows_for


class RecordingTests(ClinicTestCase):
    def test_a_note_is_recorded_as_a_draft_and_audited(self):
        note = integration_note(patient=self.patient, therapist=self.therapist)
        self.assertFalse(note.is_signed)
        self.assertEqual(note.therapist, self.therapist)
        event = AuditEvent.objects.get(event_type="therapy_session.recorded")
        self.assertEqual(event.patient_id, self.patient.pk)
        self.assertEqual(event.changes["new"]["homework"], "Journal each morning.")

    def test_every_bad_field_is_named_and_nothing_is_saved(self):
        tomorrow = clinic_today(self.clinic) + timedelta(days=1)
        with self.assertRaises(ValidationFailed) as caught:
            services.record_therapy_session(
                patient=self.patient,
                actor=self.therapist,
                kind="dosing_support",
                held_on=tomorrow,
                risk_check="concern",
                risk_details="  ",
            )
        self.assertEqual(
            set(caught.exception.fields), {"held_on", "dosing_session", "risk_details"}
        )
        self.assertFalse(TherapySession.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(event_type__startswith="therapy").exists())

    def test_an_unknown_kind_and_risk_answer_are_refused(self):
        with self.assertRaises(ValidationFailed) as caught:
            services.record_therapy_session(
                patient=self.patient, actor=self.therapist, kind="chat", held_on=None,
                risk_check="maybe",
            )  # fmt: skip
        self.assertEqual(set(caught.exception.fields), {"kind", "held_on", "risk_check"})

    def test_another_patients_plan_or_session_is_refused(self):
        other = make_patient(clinic=self.clinic, actor=self.prescriber, mrn="T-2")
        with self.assertRaises(ValidationFailed) as caught:
            services.record_therapy_session(
                patient=self.patient, actor=self.therapist, kind="preparation",
                held_on=clinic_today(self.clinic), plan=_Plan(other.pk),
            )  # fmt: skip
        self.assertEqual(set(caught.exception.fields), {"plan"})


class _Plan:
    def __init__(self, patient_id):
        self.patient_id = patient_id


class RiskCheckTests(ClinicTestCase):
    def test_a_reported_risk_raises_an_urgent_suicidality_alert_in_the_feed(self):
        note = integration_note(patient=self.patient, therapist=self.therapist, risk=True)
        alert = TherapyRiskAlert.objects.get(therapy_session=note)
        self.assertTrue(alert.is_open)
        self.assertTrue(AuditEvent.objects.filter(event_type="therapy_risk_alert.raised").exists())
        items = alert_feed.gather(self.membership(self.prescriber))
        ours = [i for i in items if i.kind == alert_feed.THERAPY_RISK_CHECK]
        self.assertEqual(len(ours), 1)
        self.assertEqual(ours[0].tier, alert_feed.URGENT)
        self.assertIn("suicidality", ours[0].tags)
        self.assertTrue(ours[0].action_url)  # prescribers acknowledge
        therapist_view = alert_feed.gather(self.membership(self.therapist))
        self.assertEqual([i.action_url for i in therapist_view if i.key == ours[0].key], [""])
        self.assertEqual(alert_feed.badge(self.membership(self.prescriber)).urgent, 1)

    def test_no_concern_raises_no_alert(self):
        integration_note(patient=self.patient, therapist=self.therapist)
        self.assertFalse(TherapyRiskAlert.objects.exists())

    def test_a_draft_changed_to_report_risk_raises_one_alert(self):
        note = integration_note(patient=self.patient, therapist=self.therapist)
        for _ in range(2):
            services.update_therapy_note(
                therapy_session=note, actor=self.therapist, held_on=note.held_on,
                risk_check="concern", risk_details="Thoughts of not waking up.",
            )  # fmt: skip
        self.assertEqual(TherapyRiskAlert.objects.filter(therapy_session=note).count(), 1)

    def test_acknowledging_needs_a_note_and_happens_once(self):
        note = integration_note(patient=self.patient, therapist=self.therapist, risk=True)
        alert = note.risk_alerts.get()
        with self.assertRaises(ValidationFailed) as caught:
            services.acknowledge_risk_alert(alert=alert, actor=self.prescriber, note=" ")
        self.assertEqual(set(caught.exception.fields), {"note"})
        services.acknowledge_risk_alert(alert=alert, actor=self.prescriber, note="Called, safe.")
        with self.assertRaises(StateError):
            services.acknowledge_risk_alert(alert=alert, actor=self.prescriber, note="again")
        self.assertEqual(alert_feed.badge(self.membership(self.prescriber)).total, 0)


class SigningTests(ClinicTestCase):
    def test_the_author_signs_and_then_the_note_is_frozen(self):
        note = integration_note(patient=self.patient, therapist=self.therapist)
        services.sign_therapy_note(therapy_session=note, actor=self.therapist)
        note.refresh_from_db()
        self.assertTrue(note.is_signed)
        self.assertEqual(note.signed_by, self.therapist)
        with self.assertRaises(StateError):
            services.update_therapy_note(
                therapy_session=note, actor=self.therapist, held_on=note.held_on,
                homework="changed",
            )  # fmt: skip
        with self.assertRaises(StateError):
            services.sign_therapy_note(therapy_session=note, actor=self.therapist)
        note.refresh_from_db()
        self.assertEqual(note.homework, "Journal each morning.")

    def test_a_note_without_a_risk_check_is_not_signed(self):
        note = integration_note(patient=self.patient, therapist=self.therapist, risk_check="")
        with self.assertRaises(ValidationFailed) as caught:
            services.sign_therapy_note(therapy_session=note, actor=self.therapist)
        self.assertEqual(set(caught.exception.fields), {"risk_check"})
        note.refresh_from_db()
        self.assertFalse(note.is_signed)

    def test_only_the_author_changes_or_signs(self):
        colleague = self.make_therapist("colleague@test.clinic")
        note = integration_note(patient=self.patient, therapist=self.therapist)
        with self.assertRaises(Conflict):
            services.sign_therapy_note(therapy_session=note, actor=colleague)

    def make_therapist(self, email):
        from ketamine_care.testing.base import make_user

        return make_user(email, self.clinic, "therapist")

    def test_amendments_follow_signing_and_keep_the_original(self):
        note = integration_note(patient=self.patient, therapist=self.therapist)
        with self.assertRaises(Conflict):
            services.amend_therapy_note(
                therapy_session=note, actor=self.therapist, reason="r", text="t"
            )
        services.sign_therapy_note(therapy_session=note, actor=self.therapist)
        with self.assertRaises(ValidationFailed) as caught:
            services.amend_therapy_note(
                therapy_session=note, actor=self.therapist, reason="", text=""
            )
        self.assertEqual(set(caught.exception.fields), {"reason", "text"})
        services.amend_therapy_note(
            therapy_session=note, actor=self.therapist, reason="Late detail",
            text="Patient called: new intrusive thoughts.", reports_risk=True,
        )  # fmt: skip
        self.assertEqual(TherapyAmendment.objects.filter(therapy_session=note).count(), 1)
        self.assertEqual(note.risk_alerts.count(), 1)
        note.refresh_from_db()
        self.assertEqual(note.experience, "Felt a sense of distance from old patterns.")
        self.assertTrue(AuditEvent.objects.filter(event_type="therapy_session.amended").exists())


class WindowTests(ClinicTestCase):
    def test_the_shipped_defaults_apply_until_the_clinic_sets_its_own(self):
        shipped = windows_for(self.clinic)
        self.assertFalse(shipped.clinic_set)
        services.update_caseload_settings(
            clinic=self.clinic, actor=self.medical_director, upcoming_days=10, integration_days=2
        )
        set_now = windows_for(self.clinic)
        self.assertEqual((set_now.upcoming_days, set_now.integration_days, set_now.clinic_set),
                         (10, 2, True))  # fmt: skip
        services.update_caseload_settings(
            clinic=self.clinic, actor=self.medical_director, upcoming_days=5, integration_days=4
        )
        self.assertEqual(windows_for(self.clinic).upcoming_days, 5)

    def test_out_of_range_windows_are_refused_by_field(self):
        with self.assertRaises(ValidationFailed) as caught:
            services.update_caseload_settings(
                clinic=self.clinic, actor=self.medical_director, upcoming_days=0,
                integration_days=None,
            )  # fmt: skip
        self.assertEqual(set(caught.exception.fields), {"upcoming_days", "integration_days"})
        self.assertFalse(windows_for(self.clinic).clinic_set)


class CourseLinkTests(ClinicTestCase):
    def test_a_session_after_a_planned_visit_is_linked_to_that_course(self):
        from ketamine_care.testing.treatment import activate_trd, treatable_plan
        from ketamine_care.treatment_sessions.services import schedule_session

        version = activate_trd(clinic=self.clinic, director=self.medical_director)
        plan = treatable_plan(patient=self.patient, version=version, prescriber=self.prescriber)
        visit = plan.visits.order_by("number").first()
        session = schedule_session(
            patient=self.patient, protocol_version=version, actor=self.nurse,
            planned_visit=visit, scheduled_for=timezone.now(),
        )  # fmt: skip
        note = services.record_therapy_session(
            patient=self.patient, actor=self.therapist, kind="preparation",
            held_on=clinic_today(self.clinic), dosing_session=session, risk_check="no_concern",
        )  # fmt: skip
        self.assertEqual(note.plan, plan)
