"""Vital-sign safety in the app: the pre-dose hold blocks dosing until acknowledged
(service, API, screen), symptoms on readings (API, form), the next BP due (session page,
floor) and the patient's age from the record for age-banded protocols."""

import uuid
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone

from ketamine_care.accounts.services import issue_api_token
from ketamine_care.core.errors import NotPermitted
from ketamine_care.testing.base import PASSWORD, ClinicTestCase
from ketamine_care.testing.treatment import activate_older_copy
from ketamine_care.treatment_sessions import services, states
from ketamine_care.treatment_sessions.floor import no_recording_interval
from ketamine_care.treatment_sessions.models import SessionAlert, VitalSignsReading
from ketamine_care.treatment_sessions.services.lifecycle import DoseOnHold
from ketamine_care.treatment_sessions.services.readiness import discharge_status
from ketamine_care.treatment_sessions.tests.factories import (
    activate,
    ago,
    complete_pre_checks,
    dosing_session,
    screened_session,
)

HOLD = "pre_dose_bp_hold_180_110"


class DoseHoldTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)

    def setUp(self):
        self.session = screened_session(self.patient, self.version, self.prescriber)
        services.check_in(session=self.session, actor=self.nurse)
        services.start_pre_assessment(session=self.session, actor=self.nurse)
        complete_pre_checks(self.session, self.nurse)
        self.url = f"/sessions/{self.session.public_id}/"

    def severe_reading(self):
        reading = {"measured_at": ago(3), "bp_systolic_mmhg": 185, "bp_diastolic_mmhg": 112}
        return services.record_vitals(session=self.session, actor=self.nurse, readings=[reading])

    def test_the_service_refuses_dosing_while_the_hold_is_unacknowledged(self):
        alert = next(a for a in self.severe_reading().new_alerts if a.rule == HOLD)
        self.assertEqual(alert.tier, "urgent")
        with self.assertRaises(DoseOnHold) as caught:
            services.start_dosing(session=self.session, actor=self.nurse)
        self.assertEqual(caught.exception.status_code, 409)
        self.assertIn("Dosing is on hold", caught.exception.message)
        self.assertIn(f"alerts.{HOLD}", caught.exception.fields)
        self.session.refresh_from_db()
        self.assertEqual(self.session.state, "pre_assessment")
        services.acknowledge_alert(
            alert=alert, actor=self.prescriber, action_taken="Rechecked 150/92; prescriber: dose"
        )
        services.start_dosing(session=self.session, actor=self.nurse)
        self.session.refresh_from_db()
        self.assertEqual(self.session.state, "dosing")

    def _record_dose(self, started_min_ago=5):
        self.session.refresh_from_db()
        return services.record_dose(
            session=self.session,
            actor=self.nurse,
            checked_by=self.prescriber,
            checked_by_password=PASSWORD,
            dose_mg=Decimal(str(self.session.pre_checks.calculated_dose_mg)),
            product="Ketamine 50 mg/mL",
            lot_number="L1",
            expiry_date=timezone.localdate() + timedelta(days=100),
            infusion_started_at=ago(started_min_ago),
        )

    def test_a_severe_bp_taken_after_dosing_started_holds_the_dose(self):
        # The hold was checked only on the way into dosing: a severe BP taken once the session
        # was dosing let the dose be recorded with the hold open.
        services.start_dosing(session=self.session, actor=self.nurse)
        alert = next(a for a in self.severe_reading().new_alerts if a.rule == HOLD)
        with self.assertRaises(DoseOnHold) as caught:
            self._record_dose()
        self.assertIn(f"alerts.{HOLD}", caught.exception.fields)
        self.assertFalse(self.session.doses.exists())
        services.acknowledge_alert(
            alert=alert, actor=self.prescriber, action_taken="Rechecked 150/92; prescriber: dose"
        )
        self.assertEqual(self._record_dose().session_id, self.session.pk)

    def test_an_acknowledged_hold_does_not_cover_another_hold_at_discharge(self):
        # Every alert raised before the dose is stored at minute None (0): discharge matched
        # acknowledgements by (rule, minute), so one hold's acknowledgement covered another
        # hold of the same rule that nobody acknowledged. The hold now refuses the dose, so no
        # service leaves one open past it; the second row is written as the services store
        # an alert raised before the dose, to test discharge's matching itself.
        first = next(a for a in self.severe_reading().new_alerts if a.rule == HOLD)
        services.acknowledge_alert(alert=first, actor=self.prescriber, action_taken="Rechecked")
        normal = {"measured_at": ago(2.5), "bp_systolic_mmhg": 130, "bp_diastolic_mmhg": 80}
        services.record_vitals(session=self.session, actor=self.nurse, readings=[normal])
        services.start_dosing(session=self.session, actor=self.nurse)
        self._record_dose(started_min_ago=1)
        self.assertNotIn("urgent_alert_unacknowledged", self._unmet())
        second = SessionAlert.objects.get(pk=first.pk)
        second.pk, second.public_id, second.triggered_at = None, uuid.uuid4(), ago(2)
        second.acknowledged_at = second.acknowledged_by = None
        second.action_taken = ""
        second.save()
        self.assertIsNone(second.minute)
        self.assertIn("urgent_alert_unacknowledged", self._unmet())
        services.acknowledge_alert(alert=second, actor=self.prescriber, action_taken="Rechecked")
        self.assertNotIn("urgent_alert_unacknowledged", self._unmet())

    def _unmet(self):
        self.session.refresh_from_db()
        return discharge_status(self.session).result.unmet

    def test_only_a_prescriber_lifts_the_hold(self):
        # A nurse acknowledged the hold with "ok" and dosed: the reference asks for the
        # prescriber's decision before any dose.
        alert = next(a for a in self.severe_reading().new_alerts if a.rule == HOLD)
        with self.assertRaises(NotPermitted) as caught:
            services.acknowledge_alert(alert=alert, actor=self.nurse, action_taken="ok")
        self.assertIn("prescriber", caught.exception.message)
        alert.refresh_from_db()
        self.assertIsNone(alert.acknowledged_at)
        with self.assertRaises(DoseOnHold):
            services.start_dosing(session=self.session, actor=self.nurse)
        token = issue_api_token(membership=self.membership(self.nurse))[1]
        response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
            f"/api/v1/treatment-sessions/{self.session.public_id}/alerts/{alert.public_id}"
            "/acknowledge",
            {"action_taken": "ok"},
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 403)
        self.assertIn("action_taken", response.json()["fields"])
        page = self.client_for(self.nurse).post(
            f"{self.url}alerts/{alert.public_id}/acknowledge/", {"action_taken": "ok"}, follow=True
        )
        self.assertContains(page, "A prescriber acknowledges a dose hold")
        self.assertContains(page, "data-hold-needs-prescriber")  # no form offered to the nurse
        self.assertNotContains(self.client_for(self.prescriber).get(self.url), "data-hold-needs")
        services.acknowledge_alert(alert=alert, actor=self.prescriber, action_taken="Dose: yes")
        services.start_dosing(session=self.session, actor=self.nurse)

    def test_the_api_answers_409_naming_the_hold(self):
        self.severe_reading()
        token = issue_api_token(membership=self.membership(self.nurse))[1]
        response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
            f"/api/v1/treatment-sessions/{self.session.public_id}/transitions",
            {"to": "dosing"},
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["error"], "dose_on_hold")
        self.assertIn(f"alerts.{HOLD}", response.json()["fields"])

    def test_the_screen_shows_why_and_disables_the_dosing_button(self):
        self.severe_reading()
        page = self.client_for(self.nurse).get(self.url)
        self.assertContains(page, 'id="dose-hold"')
        self.assertContains(page, "Dose on hold.")
        self.assertContains(page, "severe range, hold the dose")
        self.assertContains(page, 'disabled aria-describedby="dose-hold"')
        response = self.client_for(self.nurse).post(self.url + "transition/", {"to": "dosing"})
        self.assertEqual(self.client_for(self.nurse).get(response.url).status_code, 200)
        self.session.refresh_from_db()
        self.assertEqual(self.session.state, "pre_assessment")

    def test_a_review_range_reading_does_not_hold_the_dose(self):
        reading = {"measured_at": ago(3), "bp_systolic_mmhg": 150, "bp_diastolic_mmhg": 95}
        services.record_vitals(session=self.session, actor=self.nurse, readings=[reading])
        services.start_dosing(session=self.session, actor=self.nurse)


class SymptomsAndCadenceTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)

    def setUp(self):
        self.session = dosing_session(
            self.patient, self.version, self.nurse, self.prescriber, started_min_ago=30
        )
        self.url = f"/sessions/{self.session.public_id}/"

    def post_batch(self, readings):
        token = issue_api_token(membership=self.membership(self.nurse))[1]
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
            f"/api/v1/treatment-sessions/{self.session.public_id}/vitals",
            {"idempotency_key": "sym", "readings": readings},
            content_type="application/json",
        )

    def test_the_api_stores_symptoms_and_raises_the_urgent_alert(self):
        reading = {
            "measured_at": ago(2).isoformat(),
            "bp_systolic_mmhg": 152,
            "bp_diastolic_mmhg": 94,
            "symptoms": ["chest_pain", "dyspnea"],
        }
        response = self.post_batch([reading])
        self.assertEqual(response.status_code, 201, response.content)
        rules = {(a["rule"], a["tier"]) for a in response.json()["alerts"]}
        self.assertIn(("bp_raised_with_symptoms", "urgent"), rules)
        stored = VitalSignsReading.objects.get(session=self.session, symptoms__isnull=False,
                                               bp_systolic_mmhg=152)  # fmt: skip
        self.assertEqual(stored.symptoms, ["chest_pain", "dyspnea"])
        listed = self.client_for(self.nurse).get(
            f"/api/v1/treatment-sessions/{self.session.public_id}/vitals"
        )
        self.assertIn(["chest_pain", "dyspnea"], [r["symptoms"] for r in listed.json()])

    def test_an_unknown_symptom_is_422_naming_the_field_and_saves_nothing(self):
        before = VitalSignsReading.objects.count()
        response = self.post_batch(
            [
                {"measured_at": ago(3).isoformat(), "heart_rate_bpm": 80},
                {
                    "measured_at": ago(2).isoformat(),
                    "bp_systolic_mmhg": 150,
                    "bp_diastolic_mmhg": 90,
                    "symptoms": ["nosebleed"],
                },
            ]
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("readings[1].symptoms", response.json()["fields"])
        self.assertIn("nosebleed", response.json()["fields"]["readings[1].symptoms"])
        self.assertEqual(VitalSignsReading.objects.count(), before)

    def test_the_vitals_form_takes_symptom_checkboxes(self):
        page = self.client_for(self.nurse).get(self.url)
        self.assertContains(page, "Severe headache")
        self.assertContains(page, 'name="symptoms" value="visual_change"')
        response = self.client_for(self.nurse).post(
            self.url + "vitals/",
            {"bp_systolic_mmhg": 150, "bp_diastolic_mmhg": 95, "symptoms": ["visual_change"]},
            headers={"HX-Request": "true"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "hypertensive emergency")
        self.assertContains(response, "Visual change</td>")
        self.assertTrue(
            SessionAlert.objects.filter(session=self.session, rule="bp_raised_with_symptoms")
        )

    def test_an_unknown_symptom_on_the_form_is_a_form_error(self):
        response = self.client_for(self.nurse).post(
            self.url + "vitals/",
            {"bp_systolic_mmhg": 150, "bp_diastolic_mmhg": 95, "symptoms": ["nosebleed"]},
            headers={"HX-Request": "true"},
        )
        self.assertContains(response, "Select a valid choice", status_code=422)

    def test_a_low_pressure_raises_the_low_value_alerts_with_the_computed_map(self):
        reading = {"measured_at": ago(1), "bp_systolic_mmhg": 86, "bp_diastolic_mmhg": 52}
        result = services.record_vitals(session=self.session, actor=self.nurse, readings=[reading])
        by_rule = {a.rule: a for a in result.new_alerts}
        self.assertEqual(set(by_rule), {"sbp_below_90", "map_below_65"})
        self.assertEqual(by_rule["map_below_65"].observed, {"map": 63.3})
        self.assertEqual(by_rule["sbp_below_90"].tier, "urgent")

    def test_an_overdue_bp_shows_on_the_session_page_and_the_floor(self):
        # Infusion started 30 min ago; the last BP (the baseline) was before it: due at 10.
        page = self.client_for(self.nurse).get(self.url)
        self.assertContains(page, 'id="bp-due" class="message warning"')
        self.assertContains(page, "BP due 20 min ago")
        floor = self.client_for(self.nurse).get("/sessions/")
        self.assertContains(floor, '<span class="badge warn">BP due 20 min ago</span>')

    def test_a_fresh_bp_clears_the_overdue_warning(self):
        reading = {"measured_at": ago(1), "bp_systolic_mmhg": 128, "bp_diastolic_mmhg": 80}
        services.record_vitals(session=self.session, actor=self.nurse, readings=[reading])
        page = self.client_for(self.nurse).get(self.url)
        self.assertNotContains(page, "min ago")
        self.assertContains(page, "BP due in 9 min")


class ProtocolPageTests(ClinicTestCase):
    def test_the_protocol_page_words_the_vital_sign_rules(self):
        page = self.client_for(self.medical_director).get(
            "/protocols/pediatric-procedural-sedation/"
        )
        self.assertContains(page, "before dosing: systolic at or above 180 mmHg")
        self.assertContains(page, "with a reported symptom")
        self.assertContains(page, 'id="paediatric-bands"')
        self.assertContains(page, "70 + 2 × age in years mmHg")
        self.assertContains(page, "within 20 % of the pre-dose values")
        self.assertNotContains(page, "bp_systolic ge")


class NoRecordingIntervalTests(ClinicTestCase):
    """A copy of a protocol activated before the library asked the clinic for a recording
    interval has none: no reading can be overdue, and the screens say so."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.without = activate_older_copy(
            clinic=cls.clinic,
            director=cls.medical_director,
            protocol_id="ed-procedural-sedation",
            changes={"clinic_must_set": ["monitoring.min_observation_min"]},
            clinic_values={"monitoring.min_observation_min": 60},
        )
        cls.with_cadence = activate(cls.clinic, cls.medical_director)  # IV TRD: every 10/15 min

    def watched(self, version, **changes):
        values = {
            "clinic": self.clinic,
            "protocol_version": version,
            "route": "iv",
            "patient": SimpleNamespace(date_of_birth=date(1980, 1, 1)),
            "dose_started_at": timezone.now() - timedelta(minutes=20),
            "scheduled_for": timezone.now(),
            "state": states.MONITORING,
        }
        return SimpleNamespace(**(values | changes))

    def test_only_a_watched_session_without_an_interval_is_flagged(self):
        self.assertTrue(no_recording_interval(self.watched(self.without)))
        self.assertFalse(no_recording_interval(self.watched(self.with_cadence)))
        self.assertFalse(no_recording_interval(self.watched(self.without, dose_started_at=None)))
        self.assertFalse(
            no_recording_interval(self.watched(self.without, state=states.READY_FOR_DISCHARGE))
        )

    def test_the_vitals_panel_says_no_reading_is_marked_overdue(self):
        context = {"show_clock": True, "minute_now": 20, "bp_due": None, "readings": []}
        shown = render_to_string("treatment_sessions/_vitals.html", context | {"no_interval": True})
        self.assertIn("No recording interval is set", shown)
        self.assertNotIn("No recording interval", render_to_string(
            "treatment_sessions/_vitals.html", context | {"no_interval": False}
        ))  # fmt: skip
