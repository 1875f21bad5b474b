"""Vitals ingestion: idempotent, placed by time, refused when implausible or signed; alerts
evaluated after each write and created once per key."""

from ketamine_care.core.errors import StateError, ValidationFailed
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.treatment_sessions import services
from ketamine_care.treatment_sessions.models import SessionAlert, VitalSignsReading
from ketamine_care.treatment_sessions.tests.factories import activate, ago, dosing_session


def bp(minutes_ago, systolic, diastolic, key=None):
    reading = {
        "measured_at": ago(minutes_ago),
        "bp_systolic_mmhg": systolic,
        "bp_diastolic_mmhg": diastolic,
    }
    if key:
        reading["idempotency_key"] = key
    return reading


class VitalsTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)

    def setUp(self):
        self.session = dosing_session(self.patient, self.version, self.nurse, self.prescriber)

    def record(self, readings, batch_key="batch-1"):
        return services.record_vitals(
            session=self.session, actor=self.nurse, readings=readings, batch_key=batch_key
        )

    def test_a_retried_batch_stores_nothing_twice(self):
        batch = [bp(50, 130, 80), bp(45, 132, 81)]
        first = self.record(batch)
        again = self.record(batch)
        self.assertEqual((len(first.stored), first.duplicates), (2, 0))
        self.assertEqual((len(again.stored), again.duplicates), (0, 2))
        self.assertEqual(self.session.readings.count(), 3)  # plus the baseline

    def test_out_of_order_readings_are_placed_by_time(self):
        self.record([bp(10, 130, 80, "late")], batch_key="a")
        self.record([bp(40, 131, 81, "early")], batch_key="b")
        keys = list(self.session.readings.values_list("idempotency_key", flat=True))
        self.assertEqual(keys[-2:], ["early", "late"])

    def test_an_implausible_value_names_the_reading_and_field_and_saves_nothing(self):
        with self.assertRaises(ValidationFailed) as caught:
            self.record([bp(20, 130, 80), {"measured_at": ago(10), "spo2_percent": 120}])
        self.assertIn("readings[1].spo2_percent", caught.exception.fields)
        with self.assertRaises(ValidationFailed) as caught:
            self.record([bp(20, 120, 130)])
        self.assertIn("readings[0].bp_diastolic_mmhg", caught.exception.fields)
        self.assertEqual(self.session.readings.count(), 1)

    def test_two_severe_readings_five_minutes_apart_raise_one_urgent_alert(self):
        result = self.record([bp(30, 185, 100), bp(24, 186, 100)])
        self.assertEqual(
            [(a.rule, a.tier) for a in result.new_alerts],
            [("bp_at_or_above_180_110_once", "warning"), ("bp_above_180_110_sustained", "urgent")],
        )
        again = self.record([bp(20, 150, 90)], batch_key="later")
        self.assertEqual(again.new_alerts, [])
        self.assertEqual(SessionAlert.objects.filter(session=self.session).count(), 2)

    def test_an_out_of_order_reading_completes_an_alert_pair(self):
        self.record([bp(20, 185, 100)], batch_key="x")
        result = self.record([bp(30, 186, 100)], batch_key="y")
        # The earlier reading becomes the single-reading warning; the pair is urgent.
        self.assertEqual(
            sorted(a.rule for a in result.new_alerts),
            ["bp_above_180_110_sustained", "bp_at_or_above_180_110_once"],
        )

    def test_acknowledgement_needs_the_action_taken(self):
        alert = self.record([bp(30, 210, 100)]).new_alerts[0]
        with self.assertRaises(ValidationFailed):
            services.acknowledge_alert(alert=alert, actor=self.nurse, action_taken="")
        services.acknowledge_alert(alert=alert, actor=self.nurse, action_taken="Repeated BP")
        alert.refresh_from_db()
        self.assertEqual(alert.acknowledged_by, self.nurse)
        with self.assertRaises(StateError):
            services.acknowledge_alert(alert=alert, actor=self.nurse, action_taken="again")

    def test_readings_are_refused_for_a_cancelled_session(self):
        services.abort_session(session=self.session, actor=self.nurse, reason="vomiting")
        with self.assertRaises(StateError):
            self.record([bp(1, 120, 80)])
        self.assertEqual(VitalSignsReading.objects.filter(session=self.session).count(), 1)
